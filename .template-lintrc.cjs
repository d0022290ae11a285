// Discourse's ember-template-lint config for themes, as its theme skeleton uses it.
module.exports = require("@discourse/lint-configs/template-lint");
