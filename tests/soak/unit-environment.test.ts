import { describe, expect, it } from "vitest";
import { shippedUnitEnvironment, unitEnvironment } from "../../soak/unit-environment.js";

describe("unitEnvironment", () => {
  it.each([
    ["Environment=A=1", { A: "1" }],
    ["  Environment=A=1 B=two  ", { A: "1", B: "two" }],
    ['Environment="A=with space" B=x', { A: "with space", B: "x" }],
    ["Environment='A=x=y'", { A: "x=y" }],
    ["EnvironmentFile=/etc/x.env\nEnvironment=A=", { A: "" }],
    ["# Environment=A=1\nExecStart=/usr/bin/node", {}],
    ["Environment=A=1\nEnvironment=A=2", { A: "2" }],
  ])("%j", (text, expected) => {
    expect(unitEnvironment(text)).toEqual(expected);
  });

  it("rejects an assignment without a name", () => {
    expect(() => unitEnvironment("Environment==1")).toThrow(/NAME=value/);
  });

  it("reads the shipped unit: two malloc arenas", () => {
    expect(shippedUnitEnvironment()).toEqual({ MALLOC_ARENA_MAX: "2" });
  });
});
