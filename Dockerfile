# syntax=docker/dockerfile:1
# Crosstalk's production image: compiled JavaScript on Node 20, production dependencies only,
# running as the unprivileged `node` user. Configure it with environment variables (README,
# "Configuration"); deploy/ has Kubernetes manifests.

# 1. Compile TypeScript (needs the dev dependencies).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY adapters ./adapters
COPY graphs ./graphs
COPY jobs ./jobs
RUN npm run build

# 2. Production dependencies only, built for the runtime image's libc.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 3. The runtime: no compilers, no dev dependencies, no sources.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/data \
    LOG_FORMAT=json
WORKDIR /app
COPY --chown=node:node package.json ./
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Liveness only; readiness (stores and platforms) is GET /readyz, for the orchestrator.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Serves Slack/Discord as configured; with neither, set SERVE_HTTP=true (a jobs-only worker),
# since the terminal chat needs a terminal.
CMD ["node", "dist/src/cli.js", "run"]
