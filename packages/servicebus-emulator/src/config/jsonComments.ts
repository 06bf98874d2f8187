/**
 * Microsoft's sample Config.json carries `//` comments, which the official emulator accepts. This blanks `//` and
 * `/* … *\/` comments outside strings with spaces (newlines kept), so JSON.parse reports the same positions.
 */
export const stripJsonComments = (text: string): string => {
  let result = ""
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (c === '"') {
      let end = i + 1
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1
      result += text.slice(i, end + 1)
      i = end + 1
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i)
      const stop = end < 0 ? text.length : end
      result += " ".repeat(stop - i)
      i = stop
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2)
      const stop = end < 0 ? text.length : end + 2
      result += text.slice(i, stop).replace(/[^\n]/g, " ")
      i = stop
    } else {
      result += c
      i++
    }
  }
  return result
}
