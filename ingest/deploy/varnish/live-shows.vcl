vcl 4.1;
import std;
# Varnish (Debian: apt-get install varnish) as the HTTP cache in front of /live, instead of nginx's
# proxy_cache: waiting requests are woken the moment the first answer arrives, so LL-HLS viewers lose
# no time in the cache. Install as /etc/varnish/default.vcl (or point varnishd -f at it) and put TLS in
# front of it (Traefik, nginx, or the CDN). The theme setting ingest_base_url then names this cache.

backend ingest {
    .host = "127.0.0.1";
    .port = "8080";
    .connect_timeout = 2s;
    # The ingest holds blocking playlist reloads and the next part up to 3 target durations (about
    # 6-12 s) before the first byte: wait longer than that.
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

sub vcl_recv {
    # Only /live is published; /metrics and /healthz stay private.
    if (req.url !~ "^/live(/|\?|$)") {
        return (synth(404));
    }
    unset req.http.Authorization;
    # The ingest reads only its own cookies: the viewer's session of members-only shows (live_session)
    # and a sign-in in progress (live_auth_state). Forum cookies sent to a shared host are dropped.
    if (req.http.Cookie) {
        set req.http.Cookie = ";" + req.http.Cookie;
        set req.http.Cookie = regsuball(req.http.Cookie, "; +", ";");
        set req.http.Cookie = regsuball(req.http.Cookie, ";(live_session|live_auth_state)=", "; \1=");
        set req.http.Cookie = regsuball(req.http.Cookie, ";[^ ][^;]*", "");
        set req.http.Cookie = regsuball(req.http.Cookie, "^[; ]+|[; ]+$", "");
        if (req.http.Cookie == "") {
            unset req.http.Cookie;
        }
    }
    # Sign-in redirects set cookies: never cached.
    if (req.url ~ "^/live/auth/") {
        return (pass);
    }
    # A session cookie does not make a request uncacheable (the built-in rules would pass it): public
    # shows stay cached for signed-in members too. It goes to the ingest with every miss, and the ingest
    # marks what it answers for a members-only show "private" (below), so no such object is ever stored
    # and every request for one reaches the ingest, which checks the session. Heartbeats (POST) pass
    # through uncached by the built-in rules.
    if (req.method == "GET" || req.method == "HEAD") {
        return (hash);
    }
}

sub vcl_backend_response {
    # A members-only show's media and playlists ("private"), and every error ("no-store"): never
    # stored, and requests waiting for this answer go to the ingest each with their own cookie
    # (hit-for-miss) instead of sharing it.
    if (beresp.http.Cache-Control ~ "(?i)(private|no-store)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    # Lifetimes come from the ingest's Cache-Control: playlists 1 s, init/parts/segments a year (blocking
    # and delta reloads: below); other errors are not stored.
    # An expired playlist may be served for one more second while a single request refreshes it.
    set beresp.grace = 1s;
    # A 503 for a held request that timed out (stalled or starting stream) says max-age=<Retry-After>:
    # keep it that long, so viewers waiting on the same URL share one answer. Varnish stores no 5xx by
    # itself, and would pass every such request to the ingest.
    if (beresp.status == 503 && beresp.http.Cache-Control ~ "max-age=\d+") {
        set beresp.ttl = std.duration(regsub(beresp.http.Cache-Control, "^.*max-age=(\d+).*$", "\1s"), 0s);
        set beresp.grace = 0s;
        return (deliver);
    }
    # A blocking or delta reload answer is the playlist as it was when the part it names appeared. A
    # viewer asking for that part later (a join from a playlist up to 1 s old, a slow phone) gets that
    # old snapshot, asks for the next part, gets the next snapshot, and stays behind live while they
    # are cached (the ingest allows 1 s). Kept for half a part (the ingest's --part-ms, 200 ms by
    # default), the viewers waiting for its release share one answer and a late one gets the current
    # playlist (bench:viewers through this VCL: with 0.3 s the median part reached viewers 60-80 ms later than with 0.1 s).
    if (beresp.status == 200 && bereq.url ~ "[?&]_HLS_(msn|skip)=") {
        set beresp.ttl = 0.1s;
        set beresp.grace = 0s;
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache-Status = "HIT";
    } else {
        set resp.http.X-Cache-Status = "MISS";
    }
}
