/** Byte search for the template builder: marker and placeholder offsets in lol-html's output. */
/** The first offset of `needle` in `hay` at or after `from`; -1 when none. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** Whether `length` bytes of `a` from `aFrom` equal those of `b` from `bFrom`. */
export function sameBytes(a: Uint8Array, aFrom: number, b: Uint8Array, bFrom: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a[aFrom + k] !== b[bFrom + k]) return false;
  return true;
}
