// Test double of core's `apiInitializer` (discourse/lib/api): the initializer's callback receives
// a fake PluginApi that records the calls made on it.
export function apiInitializer(...args) {
  const callback = typeof args[0] === "string" ? args[1] : args[0];
  return {
    name: "test-api-initializer",
    initialize(owner) {
      return callback(owner.lookup("test:plugin-api"));
    },
  };
}

export function createFakeApi() {
  const calls = [];
  return {
    calls,
    renderInOutlet: (outletName, component) => calls.push(["renderInOutlet", outletName, component]),
  };
}
