// The inverse of parseResourceName, for round-trip tests (the ingest itself only names resources it makes).
import { initName, partName, segmentName, type ResourceName } from "../../../ingest/src/hls/resource-names.js";

export function formatResourceName(r: ResourceName): string {
  switch (r.kind) {
    case "init":
      return initName(r.id);
    case "segment":
      return segmentName(r.msn);
    case "part":
      return partName(r.msn, r.part);
  }
}
