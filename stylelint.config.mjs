// Discourse's Stylelint config for themes, as its theme skeleton uses it.
export default {
  extends: ["@discourse/lint-configs/stylelint"],
};
