// Node's modules the SDK loads on first use, on a Node with `process.getBuiltinModule` and on one
// without it (before 20.16), and the module's own file, which finding the runtime starts from.
import path from "node:path";
import * as querystring from "node:querystring";
import * as url from "node:url";
import * as util from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { moduleFile, nodeQuerystring, nodeUrl, nodeUtil } from "../../src/internal/builtins.js";

const own = Object.getOwnPropertyDescriptor(process, "getBuiltinModule");

afterEach(() => {
  if (own !== undefined) Object.defineProperty(process, "getBuiltinModule", own);
});

function loaded() {
  return {
    inspect: nodeUtil().inspect,
    fileURLToPath: nodeUrl().fileURLToPath,
    unescape: nodeQuerystring().unescape,
  };
}

const expected = {
  inspect: util.inspect,
  fileURLToPath: url.fileURLToPath,
  unescape: querystring.unescape,
};

describe("built-in modules loaded on first use", () => {
  it("are Node's own, through process.getBuiltinModule", () => {
    expect(typeof own?.value).toBe("function");
    expect(loaded()).toEqual(expected);
  });

  it("are Node's own on a Node without process.getBuiltinModule", () => {
    Object.defineProperty(process, "getBuiltinModule", { value: undefined, configurable: true });
    expect(loaded()).toEqual(expected);
  });

  it("find this module's own file, as a path", () => {
    const file = moduleFile();
    expect(path.isAbsolute(file)).toBe(true);
    expect(file).toBe(path.resolve("src/internal/builtins.ts"));
  });
});
