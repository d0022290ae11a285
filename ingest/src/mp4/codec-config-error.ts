// Why a publisher's codec configuration is refused: it does not parse ("invalid"), or it parses but
// describes something browsers cannot decode ("unsupported"). Either way no stream is served from it.
export type CodecConfigProblem = "invalid" | "unsupported";

export class CodecConfigError extends Error {
  constructor(
    readonly problem: CodecConfigProblem,
    message: string,
  ) {
    super(message);
    this.name = "CodecConfigError";
  }
}
