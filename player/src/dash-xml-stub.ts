// VHS's DASH parser is the only user of @xmldom/xmldom; we play HLS only, and leaving the XML
// parser out saves ~24 KB gzip. A DASH source fails loudly instead of parsing.
export class DOMParser {
  parseFromString(): never {
    throw new Error("DASH is not supported by the Live Shows player");
  }
}
