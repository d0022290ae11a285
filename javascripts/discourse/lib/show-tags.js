// Decides whether a topic is a show: its tags against the `show_streams` setting.

// Newer cores send tags as objects { id, name, slug, original_name? }, older ones as strings.
// The slug is never used: it differs from the name for non-latin and renamed tags.
export function tagName(tag) {
  if (typeof tag === "string") {
    return tag;
  }
  const name = tag?.original_name ?? tag?.name;
  return typeof name === "string" ? name : null;
}

function normalise(name) {
  return name.trim().toLowerCase();
}

/**
 * The stream name of the first `show_streams` row sharing a tag with the topic, or null.
 *
 * @param {unknown} topicTags
 * @param {unknown} showStreams rows { tags: string[], stream: string } of the objects setting
 * @returns {string | null}
 */
export function findShowStream(topicTags, showStreams) {
  if (
    !Array.isArray(topicTags) ||
    topicTags.length === 0 ||
    !Array.isArray(showStreams)
  ) {
    return null;
  }
  const names = new Set();
  for (const tag of topicTags) {
    const name = tagName(tag);
    if (name) {
      names.add(normalise(name));
    }
  }
  for (const row of showStreams) {
    const stream = typeof row?.stream === "string" ? row.stream.trim() : "";
    const tags = Array.isArray(row?.tags) ? row.tags : [];
    if (
      stream &&
      tags.some((tag) => typeof tag === "string" && names.has(normalise(tag)))
    ) {
      return stream;
    }
  }
  return null;
}

/**
 * The usable `show_streams` rows, in order: stream name and tag names, both trimmed.
 *
 * @param {unknown} showStreams
 * @returns {Array<{ stream: string, tags: string[] }>}
 */
export function showRows(showStreams) {
  if (!Array.isArray(showStreams)) {
    return [];
  }
  const rows = [];
  for (const row of showStreams) {
    const stream = typeof row?.stream === "string" ? row.stream.trim() : "";
    const tags = Array.isArray(row?.tags)
      ? row.tags
          .filter((tag) => typeof tag === "string" && tag.trim())
          .map((tag) => tag.trim())
      : [];
    if (stream && tags.length > 0) {
      rows.push({ stream, tags });
    }
  }
  return rows;
}
