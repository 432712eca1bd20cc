// A Worker for pages opened from the file system (file://), where browsers refuse to start
// a real one. The site's search runs in a worker; without this it would not run offline.
//
// The worker's script runs in a hidden iframe instead. The iframe is same-origin with the
// page, so the page gives it the two globals a worker script uses: `postMessage` (to the
// page) and `importScripts` (here: script tags, loaded one after another, as a promise).
// Messages to the worker are dispatched on the iframe's window, as a worker receives them.
(function () {
  "use strict";
  if (location.protocol !== "file:") {
    return;
  }

  function loadScripts(doc, urls) {
    return urls.reduce(function (previous, url) {
      return previous.then(function () {
        return new Promise(function (resolve, reject) {
          var script = doc.createElement("script");
          script.src = url;
          script.onload = resolve;
          script.onerror = reject;
          doc.body.appendChild(script);
        });
      });
    }, Promise.resolve());
  }

  class FrameWorker extends EventTarget {
    constructor(url) {
      super();
      this.onmessage = null;
      this.onerror = null;
      this.frame = document.createElement("iframe");
      this.frame.hidden = true;
      document.body.appendChild(this.frame);
      var inner = this.frame.contentWindow;
      var doc = inner.document;
      doc.open();
      doc.write("<!doctype html><html><body></body></html>");
      doc.close();
      var self = this;
      inner.postMessage = function (data) {
        self.deliver("message", new MessageEvent("message", { data: data }));
      };
      inner.importScripts = function () {
        return loadScripts(doc, Array.prototype.slice.call(arguments));
      };
      this.ready = loadScripts(doc, [String(url)]).catch(function (error) {
        self.deliver("error", new ErrorEvent("error", { message: String(error), error: error }));
      });
    }

    deliver(type, event) {
      this.dispatchEvent(event);
      var handler = type === "message" ? this.onmessage : this.onerror;
      if (handler) {
        handler.call(this, event);
      }
    }

    postMessage(data) {
      var inner = this.frame.contentWindow;
      this.ready.then(function () {
        inner.dispatchEvent(new MessageEvent("message", { data: structuredClone(data) }));
      });
    }

    terminate() {
      this.frame.remove();
    }
  }

  window.Worker = FrameWorker;
})();
