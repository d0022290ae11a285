// Test double of core's getURL(path): prefixes the forum's subfolder (none by default).
let prefix = "";

export function setSubfolder(path) {
  prefix = path;
}

export default function getURL(path) {
  return `${prefix}${path}`;
}
