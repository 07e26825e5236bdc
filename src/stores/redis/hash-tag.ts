// Redis Cluster places a key by the text inside its first `{…}`; a thread's keys share one tag so
// that one thread lives in one slot and a script or MULTI may touch all of them.

/** The thread key as a hash tag: braces and `%` escaped, so no thread key can end the tag early. */
export function hashTag(threadKey: string): string {
  return `{${threadKey.replace(/[%{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)}}`;
}
