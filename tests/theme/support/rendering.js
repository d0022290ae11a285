import Application from "@ember/application";
import { afterEach, beforeEach } from "vitest";
import { setApplication, setupContext, setupRenderingContext, teardownContext } from "@ember/test-helpers";
import LiveShowStatus from "../../../javascripts/discourse/services/live-show-status";

// ember-qunit's setupRenderingTest(hooks) for vitest. Returns a proxy to the current test's
// context ({ owner, element }).
export function setupRenderingTest() {
  let current = null;
  beforeEach(async () => {
    // fresh root per test: ember-source 7 fails on a second render into the same root
    document.querySelector("#ember-testing")?.remove();
    document.body.insertAdjacentHTML("beforeend", '<div id="ember-testing"></div>');
    class TestApp extends Application {
      rootElement = "#ember-testing";
      autoboot = false;
      modules = {};
    }
    setApplication(TestApp.create());
    const context = {}; // must be a new object per test
    await setupContext(context);
    // Discourse's resolver finds a theme's services by module name; the test app has no resolver.
    context.owner.register("service:live-show-status", LiveShowStatus);
    await setupRenderingContext(context);
    current = context;
  });
  afterEach(async () => {
    await teardownContext(current);
    current = null;
  });
  return new Proxy({}, { get: (_, key) => current?.[key] });
}

// Core registers the logged-in User (or null for anonymous visitors) as service:current-user.
export function setCurrentUser(owner, user) {
  owner.register("service:current-user", user, { instantiate: false });
}
