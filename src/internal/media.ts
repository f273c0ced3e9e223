/**
 * The `data:` URLs of images and sounds the runtime sends the model: it refuses a remote URL,
 * sends a path on as a URL, and leaves out data it cannot decode, telling the model only that
 * content was omitted.
 */

// A `data:` URL of base64 data, the only URL of an image or audio the runtime sends the model,
// which takes only standard base64, padded (no white space, no `-` or `_`).
const BASE64_DATA_URL = /^data:[^,]*;base64,/i;
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

// Padded standard base64, as the runtime's decoder takes it. No pattern of the whole: a regular
// expression repeating a group over megabytes of an image overflows the stack.
function isBase64(data: string): boolean {
  if (data.length % 4 !== 0 || NOT_BASE64.test(data)) return false;
  const pad = data.indexOf("=");
  if (pad === -1) return true;
  // The character before the padding holds bits past the data's end, which must be zero: the
  // runtime's decoder refuses others.
  if (pad === data.length - 2) return data.endsWith("=") && "AQgw".includes(data[pad - 1]!);
  return pad === data.length - 1 && "AEIMQUYcgkosw048".includes(data[pad - 1]!);
}

// The image formats the runtime decodes, whatever type the URL names.
const IMAGE_FORMATS = "PNG, JPEG, GIF or WebP";

// Whether bytes begin as an image of a format the runtime decodes (it leaves out others, BMP,
// TIFF, SVG or AVIF among them): PNG, JPEG, GIF, or WebP (`RIFF`, a size, `WEBP`). Only the
// signature: an image damaged further on the runtime leaves out too.
function isDecodableImage(head: Buffer): boolean {
  const ascii = head.toString("latin1");
  return (
    ascii.startsWith("\x89PNG\r\n\x1a\n") ||
    ascii.startsWith("\xff\xd8\xff") ||
    ascii.startsWith("GIF87a") ||
    ascii.startsWith("GIF89a") ||
    (ascii.startsWith("RIFF") && ascii.slice(8, 12) === "WEBP")
  );
}

// The media types of sound the runtime sends the model, in any case and with any parameters; it
// leaves out others (AAC, FLAC, Opus, no type at all), whatever the data holds.
const AUDIO_TYPES = new Set([
  "audio/wav",
  "audio/x-wav",
  "audio/wave",
  "audio/vnd.wave",
  "audio/mpeg",
  "audio/mp3",
  "audio/mp4",
  "audio/m4a",
  "audio/x-m4a",
  "audio/webm",
  "audio/ogg",
]);

// The most sound the runtime sends at once: 50 MiB decoded, and the base64 characters it takes.
const MAX_AUDIO_BYTES = 50 * 1024 * 1024;
const MAX_AUDIO_BASE64 = Math.ceil(MAX_AUDIO_BYTES / 3) * 4;

/**
 * What is wrong with `url` as the URL of an image or audio the runtime would send the model;
 * `undefined` when nothing is. `forFile` says what to do for a file instead.
 */
export function mediaUrlProblem(
  url: string,
  kind: "image" | "audio",
  forFile: string,
): string | undefined {
  const prefix = BASE64_DATA_URL.exec(url);
  if (prefix === null) {
    return (
      `must be a base64 data: URL (data:<type>;base64,...), the only kind the runtime sends to ` +
      `the model: ${forFile}; fetch a remote ${kind} and pass its data`
    );
  }
  if (kind === "audio") {
    const type = prefix[0].slice("data:".length).split(";", 1)[0]!;
    if (!AUDIO_TYPES.has(type.toLowerCase())) {
      return (
        `names the media type ${JSON.stringify(type)}, a sound the runtime does not send the ` +
        "model: give audio/wav, audio/mpeg, audio/mp4, audio/webm or audio/ogg (wav, mp3, m4a, " +
        "webm or ogg)"
      );
    }
  }
  const data = url.slice(prefix[0].length);
  if (data === "") return "holds no data after ;base64,";
  const tooMuch =
    "holds more than 50 MiB of sound, more than the runtime sends: it would leave it out";
  // Checked by length first: a longer text is not walked.
  if (kind === "audio" && data.length > MAX_AUDIO_BASE64) return tooMuch;
  if (!isBase64(data)) {
    return (
      "holds data that is not base64 as the runtime decodes it (A-Z, a-z, 0-9, + and /, padded " +
      "with = to a multiple of 4 characters, without white space): it would leave the " +
      `${kind} out`
    );
  }
  // The bytes it decodes to, its padding aside: at the bound's length, unpadded, one too many.
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  if (kind === "audio" && (data.length / 4) * 3 - padding > MAX_AUDIO_BYTES) return tooMuch;
  // Sixteen characters are the first twelve bytes, which tell each format.
  if (kind === "image" && !isDecodableImage(Buffer.from(data.slice(0, 16), "base64"))) {
    return (
      `does not begin as a ${IMAGE_FORMATS} image, the formats the runtime decodes (whatever ` +
      "type the URL names): it would leave the image out"
    );
  }
  return undefined;
}
