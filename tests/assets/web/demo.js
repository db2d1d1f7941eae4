// The demo's scenarios, run from this page's origin (http://localhost:PORT) against every
// conformance server that config.json lists ({ apis: [{ name, framework, url }, ...] }). Each
// expected verdict follows from the route's policy in the conformance contract; the browser's
// verdict is what fetch() did.
//
// When every request has been made, `window.demoDone` resolves to one entry per scenario:
// { name, expected, results: { <api name>: result, ... }, agree } (the demo's --check and
// --screenshot modes read it).
(function () {
  "use strict";

  const READ = { verdict: "read", status: 200 };
  const BLOCKED = { verdict: "blocked" };

  const SCENARIOS = [
    {
      name: "Public data",
      req: { method: "GET", path: "/public" },
      policy: "origins *: any page may read it",
      expect: READ,
    },
    {
      name: "Exposed response header",
      req: { method: "GET", path: "/public", readHeaders: ["x-request-id"] },
      policy: "exposes x-request-id, so the page sees it",
      expect: { verdict: "read", status: 200, header: ["x-request-id", "7"] },
    },
    {
      name: "Credentials against *",
      req: { method: "GET", path: "/public", credentials: true },
      policy: "* is never valid with credentials",
      expect: BLOCKED,
    },
    {
      name: "Port pattern",
      req: { method: "GET", path: "/local" },
      policy: "http://localhost:* matches this page, whatever its port",
      expect: READ,
    },
    {
      name: "Header not exposed",
      req: { method: "GET", path: "/local", readHeaders: ["vary"] },
      policy: "nothing exposed: the server's Vary stays hidden",
      expect: { verdict: "read", status: 200, header: ["vary", null] },
    },
    {
      name: "Request header not allowed",
      req: { method: "GET", path: "/local", headers: { "x-other": "1" } },
      policy: "preflight refused: header x-other not allowed",
      expect: BLOCKED,
    },
    {
      name: "Method not allowed",
      req: { method: "PATCH", path: "/local" },
      policy: "preflight refused: method PATCH not allowed",
      expect: BLOCKED,
    },
    {
      name: "Origin not in the allowlist",
      req: { method: "GET", path: "/private", credentials: true },
      policy: "only https://app.example.re and https://dashboard.example.re",
      expect: BLOCKED,
    },
    {
      name: "Preflighted PUT, unlisted origin",
      req: {
        method: "PUT",
        path: "/private",
        headers: { "content-type": "application/json" },
        body: "{}",
      },
      policy: "preflight refused: origin not in the allowlist",
      expect: BLOCKED,
    },
    {
      name: "Default policy",
      req: { method: "GET", path: "/plain" },
      policy: "no #[cors] on /plain: the global policy allows only https://app.example.re",
      expect: BLOCKED,
    },
    {
      name: "Subdomain pattern",
      req: { method: "GET", path: "/sub" },
      policy: "https://*.example.re does not match localhost",
      expect: BLOCKED,
    },
    {
      name: "Sandboxed iframe (Origin: null)",
      req: { method: "GET", path: "/sandbox", sandboxed: true },
      policy: "the null origin is explicitly allowed here",
      expect: READ,
    },
    {
      name: "Sandboxed iframe elsewhere",
      req: { method: "GET", path: "/local", sandboxed: true },
      policy: "null is not allowed unless a policy opts in",
      expect: BLOCKED,
    },
  ];

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function describeRequest(req) {
    const parts = [req.method + " " + req.path];
    for (const [name, value] of Object.entries(req.headers || {})) {
      parts.push(name + ": " + value);
    }
    if (req.credentials) parts.push("credentials");
    if (req.sandboxed) parts.push("from <iframe sandbox>");
    return parts.join("\n");
  }

  function describeExpect(expect) {
    let text = "→ " + expect.verdict;
    if (expect.header) {
      const [name, value] = expect.header;
      text += value === null ? ", " + name + " hidden" : ", " + name + ": " + value;
    }
    return text;
  }

  function agrees(expect, result) {
    if (result.verdict !== expect.verdict) return false;
    if (expect.status !== undefined && result.status !== expect.status) return false;
    if (expect.header) {
      const [name, value] = expect.header;
      if ((result.headers || {})[name] !== value) return false;
    }
    return true;
  }

  function verdictCell(cell, expect, result) {
    cell.textContent = "";
    cell.appendChild(el("span", "badge " + result.verdict, result.verdict));
    if (result.verdict === "read") {
      let detail = "status " + result.status;
      if (expect.header) {
        const [name] = expect.header;
        const seen = (result.headers || {})[name];
        detail += seen === null ? ", " + name + " hidden" : ", " + name + ": " + seen;
      }
      cell.appendChild(el("span", "detail", detail));
    }
  }

  async function run() {
    const config = await (await fetch("config.json", { cache: "no-store" })).json();
    const apis = config.apis;
    document.getElementById("page-origin").textContent = self.origin;
    const setup = document.getElementById("setup");
    const header = document.querySelector("#results thead tr");
    const last = header.lastElementChild;
    for (const api of apis) {
      setup.appendChild(el("dt", "", api.framework + " API"));
      setup.appendChild(el("dd", "", api.url));
      header.insertBefore(el("th", "", api.framework), last);
    }
    const host = location.hostname;
    document.getElementById("origin-warning").hidden =
      location.protocol === "http:" && (host === "localhost" || host === "127.0.0.1");

    const tbody = document.querySelector("#results tbody");
    const rows = SCENARIOS.map((scenario) => {
      const tr = el("tr");
      tr.appendChild(el("td", "name", scenario.name));
      const request = el("td", "request");
      request.style.whiteSpace = "pre";
      request.textContent = describeRequest(scenario.req);
      tr.appendChild(request);
      const policy = el("td", "policy", scenario.policy);
      policy.appendChild(el("span", "expect", describeExpect(scenario.expect)));
      tr.appendChild(policy);
      const cells = {};
      for (const api of apis) {
        cells[api.name] = el("td", "api " + api.name);
        cells[api.name].appendChild(el("span", "badge pending", "…"));
        tr.appendChild(cells[api.name]);
      }
      const agree = el("td", "agree", "…");
      tr.appendChild(agree);
      tbody.appendChild(tr);
      return { cells, agree };
    });

    const results = [];
    for (const [index, scenario] of SCENARIOS.entries()) {
      const row = rows[index];
      const outcome = { name: scenario.name, expected: scenario.expect, results: {} };
      for (const api of apis) {
        const req = Object.assign({}, scenario.req, { url: api.url + scenario.req.path });
        const result = await corsProbe(req);
        outcome.results[api.name] = result;
        verdictCell(row.cells[api.name], scenario.expect, result);
      }
      outcome.agree =
        apis.length > 0 && apis.every((api) => agrees(scenario.expect, outcome.results[api.name]));
      row.agree.textContent = outcome.agree ? "✓ all" : "✗ no";
      row.agree.classList.add(outcome.agree ? "yes" : "no");
      results.push(outcome);
    }

    const good = results.filter((r) => r.agree).length;
    const summary = document.getElementById("summary");
    if (good === results.length) {
      const names = apis.map((api) => api.framework);
      summary.textContent =
        "All " + results.length + " scenarios: " + names.slice(0, -1).join(", ") + " and " +
        names[names.length - 1] + " behave exactly as the policy says.";
      summary.className = "ok";
    } else {
      summary.textContent =
        results.length - good + " of " + results.length + " scenarios differ from the policy.";
      summary.className = "bad";
    }
    return results;
  }

  window.demoDone = run().catch((e) => {
    const summary = document.getElementById("summary");
    summary.textContent = "The demo could not run: " + e;
    summary.className = "bad";
    return [{ name: "demo page", agree: false, error: String(e) }];
  });
})();
