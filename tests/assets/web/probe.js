// Makes one cross-origin request the way an application page would, and reports what the
// browser let the page see. Shared by the browser tests (through WebDriver) and the demo page.
//
//   corsProbe({ url, method, headers, body, credentials, readHeaders, sandboxed })
//     -> Promise<{ origin, verdict: "read" | "blocked", status, body, headers, error }>
//
// `verdict` is the browser's: "read" when fetch() resolved (the CORS check passed and the page
// may read the response, whatever its status), "blocked" when it rejected with a TypeError.
// The browser gives the page no reason for a block; that is only on the DevTools console.
// `origin` is the origin the request was made from, as the browser sees it ("null" in a
// sandboxed frame), so a caller can check that the page really had the origin it meant.
// `sandboxed: true` runs the request inside a fresh <iframe sandbox="allow-scripts">, whose
// origin is opaque: the browser then sends `Origin: null`.
(function () {
  "use strict";

  async function direct(req) {
    const init = {
      method: req.method || "GET",
      headers: req.headers || {},
      credentials: req.credentials ? "include" : "omit",
      mode: "cors",
      cache: "no-store",
    };
    if (req.body !== undefined && req.body !== null) init.body = req.body;
    const origin = self.origin;
    let response;
    try {
      response = await fetch(req.url, init);
    } catch (e) {
      return { origin, verdict: "blocked", error: String(e) };
    }
    const headers = {};
    for (const name of req.readHeaders || []) headers[name] = response.headers.get(name);
    let body = null;
    try {
      body = await response.text();
    } catch (e) {
      body = null;
    }
    return { origin, verdict: "read", status: response.status, body, headers };
  }

  function sandboxed(req) {
    return new Promise((resolve) => {
      const frame = document.createElement("iframe");
      frame.setAttribute("sandbox", "allow-scripts");
      frame.style.display = "none";
      frame.src = new URL("frame.html", document.baseURI).href;
      function onMessage(event) {
        if (event.source !== frame.contentWindow) return;
        window.removeEventListener("message", onMessage);
        frame.remove();
        resolve(event.data);
      }
      window.addEventListener("message", onMessage);
      frame.addEventListener("load", () => {
        frame.contentWindow.postMessage(Object.assign({}, req, { sandboxed: false }), "*");
      });
      document.body.appendChild(frame);
    });
  }

  self.corsProbe = function (req) {
    return req.sandboxed ? sandboxed(req) : direct(req);
  };
})();
