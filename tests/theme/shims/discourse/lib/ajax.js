// Test double of core's ajax(url): a real fetch of `url` on the forum origin the test set (a real
// server on loopback); rejects on an error status like core's.
let forumOrigin = "http://127.0.0.1:9";

export function setForumOrigin(origin) {
  forumOrigin = origin;
}

export async function ajax(url) {
  const response = await fetch(new URL(url, forumOrigin), { headers: { Accept: "application/json" } });
  if (!response.ok) {
    throw new Error(`${response.status} ${url}`);
  }
  return response.json();
}
