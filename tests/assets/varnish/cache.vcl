# Varnish in front of one conformance server. Only the lifetime changes: stock Varnish keeps
# nothing without caching headers and never stores a 500, so `vcl_backend_response` gives every
# answer a minute and returns nothing, and the built-in VCL (with its Vary handling) still runs
# after it. `X-Cache` tells the test whether an answer came from the cache. Placeholders in
# double braces are filled by the test.
vcl 4.1;

backend conformance {
    .host = "127.0.0.1";
    .port = "{{upstream_port}}";
}

sub vcl_backend_response {
    set beresp.ttl = 1m;
    set beresp.grace = 0s;
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
