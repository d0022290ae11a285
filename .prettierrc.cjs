// Theme (javascripts/, stylesheets/, common/): Discourse's own Prettier config, as its theme skeleton
// uses it. TypeScript (ingest/, player/, tests/, bench/, soak/): the style that code was written in.
const discourse = require("@discourse/lint-configs/prettier");

module.exports = {
  ...discourse,
  overrides: [
    ...discourse.overrides,
    { files: ["*.ts"], options: { printWidth: 140, trailingComma: "all" } },
  ],
};
