// @vitest-environment node
// What Discourse reads from this repository when an admin installs it "from a git repository",
// checked the way core checks it (app/models/remote_theme.rb, theme_field.rb, theme_settings_*.rb),
// so that nothing fails silently after installation.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Preprocessor } from "content-tag";
import * as sass from "sass";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import emberGjs from "./support/ember-gjs-plugin.js";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string): string => readFileSync(path.join(root, file), "utf8");
const trackedFiles = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
// Tracked files plus new theme files not committed yet, so the check also guards work in progress.
const untrackedFiles = execFileSync("git", ["ls-files", "-z", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter(Boolean);
const repoFiles = [...new Set([...trackedFiles, ...untrackedFiles])].filter((file) => existsSync(path.join(root, file)));

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

// core: RemoteTheme::MAX_THEME_FILE_COUNT, MAX_ASSET_FILE_SIZE, MAX_THEME_SIZE, Discourse::MAX_METADATA_FILE_SIZE,
// ThemeField value length (1024**2), the asset name format of ThemeField (theme_upload_var).
const MAX_FILES = 1024;
const MAX_RECOGNISED_FILE_BYTES = 8 * 1024 * 1024;
const MAX_FIELD_BYTES = 1024 * 1024;
const MAX_THEME_BYTES = 256 * 1024 * 1024;
const MAX_ABOUT_JSON_BYTES = 64 * 1024;
const ASSET_NAME = /^[a-z_][a-z0-9_-]*$/i;

// ThemeField::FILE_MATCHERS: files that become theme fields (text, ≤ 1 MiB each). Assets are matched by about.json only.
const FIELD_PATHS = [
  /^(mobile|desktop|common)\/(head_tag|header|after_header|body_tag|footer)\.html$/,
  /^(mobile|desktop|common)\/\1\.scss$/,
  /^common\/embedded\.scss$/,
  /^common\/color_definitions\.scss$/,
  /^(scss|stylesheets)\/.+\.scss$/,
  /^javascripts\/.+$/,
  /^test\/.+$/,
  /^settings\.ya?ml$/,
  /^locales\/[A-Za-z_]+\.yml$/,
  /^migrations\/settings\/[^/]+\.js$/,
];

// ThemeSetting::TYPES_ENUM and the property types SchemaSettingsObjectValidator accepts.
const SETTING_TYPES = new Set(["integer", "float", "string", "bool", "list", "enum", "upload", "objects"]);
const PROPERTY_TYPES = new Set([
  "string",
  "integer",
  "float",
  "boolean",
  "enum",
  "upload",
  "categories",
  "groups",
  "tags",
  "icon",
  "topic",
  "post",
  "datetime",
  "objects",
]);
const PROPERTY_VALIDATIONS: Record<string, string[]> = {
  string: ["min_length", "max_length", "url"],
  integer: ["min", "max"],
  float: ["min", "max"],
  tags: ["min", "max"],
  categories: ["min", "max"],
  groups: ["min", "max"],
};

const about: Json = JSON.parse(read("about.json"));
const settingsYaml: unknown = parse(read("settings.yml"));
const settings: Json = isObject(settingsYaml) ? settingsYaml : {};
const localeYaml: unknown = parse(read("locales/en.yml"));
const locale: Json = isObject(localeYaml) && isObject(localeYaml.en) ? localeYaml.en : {};

function lookup(tree: unknown, dottedKey: string): unknown {
  let node = tree;
  for (const part of dottedKey.split(".")) {
    node = isObject(node) ? node[part] : undefined;
  }
  return node;
}

function isTranslation(value: unknown): boolean {
  return typeof value === "string" ? value.trim() !== "" : isObject(value) && typeof value.other === "string";
}

function assetPaths(): string[] {
  return isObject(about.assets) ? Object.values(about.assets).map(String) : [];
}

describe("about.json", () => {
  test("is a component Discourse can import", () => {
    expect(statSync(path.join(root, "about.json")).size).toBeLessThanOrEqual(MAX_ABOUT_JSON_BYTES);
    expect(typeof about.name === "string" && about.name.trim()).toBeTruthy();
    expect(about.component).toBe(true);
    for (const key of ["about_url", "license_url"]) {
      expect(new URL(String(about[key])).protocol).toBe("https:");
    }
    expect(about.theme_version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(about.minimum_discourse_version).toMatch(/^\d+\.\d+\.\d+(\.beta\d+)?$/);
  });

  test("about_url and license_url point at this repository's README and LICENSE", () => {
    expect(String(about.about_url)).toMatch(/\/blob\/main\/README\.md$/);
    expect(String(about.license_url)).toMatch(/\/blob\/main\/LICENSE$/);
    expect(trackedFiles).toEqual(expect.arrayContaining(["README.md", "LICENSE"]));
  });
});

// lib/version.rb (Discourse.find_compatible_resource): a YAML map of "< version" or "<= version"
// to a git ref; anything else makes core log "Invalid version list" and ignore the file.
describe(".discourse-compatibility", () => {
  const pins: unknown = parse(read(".discourse-compatibility"));

  test("is a map core can read, each pin a version bound naming a commit of ours", () => {
    expect(isObject(pins)).toBe(true);
    for (const [requirement, ref] of Object.entries(pins as Json)) {
      expect(requirement).toMatch(/^<=? ?\d+\.\d+\.\d+(\.beta\d+)?(-dev)?$/);
      expect(() => execFileSync("git", ["cat-file", "-e", `${String(ref)}^{commit}`], { cwd: root }), String(ref)).not.toThrow();
    }
  });

  test("assets have valid names and point at existing .js files within the size limit", () => {
    expect(isObject(about.assets)).toBe(true);
    const assets = Object.entries(about.assets as Json);
    expect(assets.map(([name]) => name)).toContain("live_player");
    for (const [name, file] of assets) {
      expect(name).toMatch(ASSET_NAME);
      expect(typeof file).toBe("string");
      const filePath = path.join(root, String(file));
      expect(existsSync(filePath), `${String(file)} (run the player build)`).toBe(true);
      expect(trackedFiles, `${String(file)} must be committed: Discourse clones the repository`).toContain(file);
      expect(path.extname(String(file))).toBe(".js"); // js is in core's default theme_authorized_extensions
      expect(statSync(filePath).size).toBeLessThanOrEqual(MAX_RECOGNISED_FILE_BYTES);
    }
  });
});

describe("settings.yml", () => {
  const entries = Object.entries(settings);

  test("parses to settings of Discourse's types, each with a default of that type", () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const [name, definition] of entries) {
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(isObject(definition), name).toBe(true);
      const { type, default: defaultValue } = definition as Json;
      expect(SETTING_TYPES.has(String(type)), `${name}: type ${String(type)}`).toBe(true);
      expect(defaultValue, `${name}: default`).not.toBeUndefined();
      expect(defaultValue, `${name}: default`).not.toBeNull();
      const expectedDefault: Record<string, (value: unknown) => boolean> = {
        bool: (value) => typeof value === "boolean",
        string: (value) => typeof value === "string",
        integer: (value) => Number.isInteger(value),
        float: (value) => typeof value === "number",
        list: (value) => typeof value === "string",
        objects: (value) => Array.isArray(value) && value.every(isObject),
      };
      expect(expectedDefault[String(type)]?.(defaultValue) ?? true, `${name}: default of type ${String(type)}`).toBe(true);
    }
  });

  test("objects settings follow core's schema format", () => {
    const checkSchema = (where: string, schema: unknown): void => {
      expect(isObject(schema), where).toBe(true);
      const { name, properties } = schema as Json;
      expect(typeof name, `${where}: schema.name`).toBe("string");
      expect(isObject(properties) && Object.keys(properties).length > 0, `${where}: schema.properties`).toBe(true);
      for (const [property, spec] of Object.entries(properties as Json)) {
        const at = `${where}.${property}`;
        expect(isObject(spec), at).toBe(true);
        const { type, validations, required } = spec as Json;
        expect(PROPERTY_TYPES.has(String(type)), `${at}: type ${String(type)}`).toBe(true);
        if (required !== undefined) expect(typeof required, `${at}: required`).toBe("boolean");
        if (validations !== undefined) {
          expect(isObject(validations), `${at}: validations`).toBe(true);
          for (const key of Object.keys(validations as Json)) {
            expect(PROPERTY_VALIDATIONS[String(type)] ?? [], `${at}: validation ${key}`).toContain(key);
          }
        }
        if (type === "objects") checkSchema(at, (spec as Json).schema);
      }
    };
    for (const [name, definition] of entries) {
      if ((definition as Json).type === "objects") checkSchema(name, (definition as Json).schema);
    }
  });

  test("the theme's typed settings (types/discourse-theme.d.ts) list exactly these settings", () => {
    const declaration = read("types/discourse-theme.d.ts");
    const body = /interface LiveShowsSettings \{([\s\S]*?)\n\}/.exec(declaration)?.[1] ?? "";
    const declared = [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((match) => match[1]);
    expect(declared.filter((name) => !name?.startsWith("theme_uploads")).sort()).toEqual(Object.keys(settings).sort());
  });
});

describe("locales/en.yml", () => {
  test("describes the component and every setting (and every objects property) for the admin UI", () => {
    expect(isTranslation(lookup(locale, "theme_metadata.description"))).toBe(true);
    for (const [name, definition] of Object.entries(settings)) {
      const entry = lookup(locale, `theme_metadata.settings.${name}`);
      const description = isObject(entry) ? entry.description : entry;
      expect(isTranslation(description), `theme_metadata.settings.${name}`).toBe(true);
      const schema = (definition as Json).schema;
      if (isObject(schema) && isObject(schema.properties)) {
        for (const property of Object.keys(schema.properties)) {
          const key = `theme_metadata.settings.${name}.schema.properties.${property}`;
          expect(isTranslation(lookup(locale, `${key}.label`)), `${key}.label`).toBe(true);
          expect(isTranslation(lookup(locale, `${key}.description`)), `${key}.description`).toBe(true);
        }
      }
    }
  });

  test("no top-level key takes a setting's name (core reserves it for the setting's own texts)", () => {
    for (const key of Object.keys(locale)) {
      expect(Object.keys(settings)).not.toContain(key);
    }
  });

  test('every i18n(themePrefix("…")) key used under javascripts/ exists, and all keys are literal', () => {
    const sources = repoFiles.filter((file) => file.startsWith("javascripts/"));
    const used = new Set<string>();
    for (const file of sources) {
      const code = read(file);
      // JavaScript calls themePrefix("key") and template sub-expressions (themePrefix "key")
      for (const [call, literal] of [
        [/themePrefix\s*\(/g, /themePrefix\s*\(\s*["']([^"'\n]+)["']\s*\)/g],
        [/\(themePrefix\s/g, /\(themePrefix\s+["']([^"'\n]+)["']\s*\)/g],
      ] as const) {
        const keys = [...code.matchAll(literal)].map((match) => match[1] ?? "");
        expect(keys.length, `${file}: a themePrefix key that is not a string literal`).toBe(code.match(call)?.length ?? 0);
        for (const key of keys) used.add(key);
      }
    }
    expect(used.size).toBeGreaterThan(0);
    for (const key of used) {
      expect(isTranslation(lookup(locale, key)), `locales/en.yml: en.${key}`).toBe(true);
    }
  });
});

describe("javascripts/", () => {
  const sources = repoFiles.filter((file) => file.startsWith("javascripts/"));

  test("holds only .js and .gjs (what every current core compiles)", () => {
    expect(sources.length).toBeGreaterThan(0);
    for (const file of sources) expect(path.extname(file), file).toMatch(/^\.g?js$/);
  });

  test("every .gjs compiles with content-tag", () => {
    const preprocessor = new Preprocessor();
    const templates = sources.filter((file) => file.endsWith(".gjs"));
    expect(templates.length).toBeGreaterThan(0);
    for (const file of templates) {
      const source = read(file);
      const { code } = preprocessor.process(source, { filename: file });
      if (source.includes("<template>")) expect(code, file).toMatch(/\btemplate\w*\(/);
    }
  });

  test("every module compiles like the theme compiler does it (templates, decorators), one error would break the theme", async () => {
    const compiler = emberGjs({ themeDir: "/javascripts/", embroiderMacros: false });
    for (const file of sources) {
      const result = await compiler.transform(read(file), path.join(root, file));
      expect(result?.code, file).toMatch(/\bexport default\b|\bexport (function|const|class)\b/);
    }
  });

  test("one api-initializer wiring outlets, no settings or themePrefix declared by hand", () => {
    expect(sources.filter((file) => file.startsWith("javascripts/discourse/api-initializers/"))).toEqual([
      "javascripts/discourse/api-initializers/live-shows.gjs",
    ]);
    for (const file of sources) {
      expect(read(file), file).not.toMatch(
        /\b(const|let|var|function)\s+(settings|themePrefix)\b|import\s*\{[^}]*\b(settings|themePrefix)\b[^}]*\}/,
      );
    }
  });
});

describe("stylesheets", () => {
  test("common/common.scss compiles and imports every partial under stylesheets/", () => {
    const { css, loadedUrls } = sass.compile(path.join(root, "common/common.scss"), {
      loadPaths: [path.join(root, "stylesheets")],
      silenceDeprecations: ["import"],
    });
    expect(css.length).toBeGreaterThan(0);
    const loaded = loadedUrls.map((url) => path.relative(root, url.pathname)).sort();
    const partials = repoFiles.filter((file) => /^stylesheets\/.+\.scss$/.test(file));
    expect(partials.length).toBeGreaterThan(0);
    expect(loaded).toEqual(["common/common.scss", ...partials].sort());
  });

  test("theme classes never collide with the player bundle's own (both use the live-show- prefix)", () => {
    const classes = (text: string): Set<string> => new Set([...text.matchAll(/\.(live-show-[\w-]+)/g)].map((match) => match[1] ?? ""));
    const bundle = classes(read("assets/live-player.js"));
    expect(bundle.size).toBeGreaterThan(0);
    for (const file of repoFiles.filter((f) => /^(common|stylesheets)\/.+\.scss$/.test(f))) {
      for (const name of classes(read(file))) expect(bundle.has(name), `${file}: .${name}`).toBe(false);
    }
  });

  test("colours come only from Discourse's custom properties; no Ember-generated selectors", () => {
    const colourProperty = /^\s*(color|background(-color)?|border(-[a-z-]+)?|outline(-color)?|box-shadow|fill|stroke)\s*:\s*(.+?);/gm;
    const literalColour =
      /#[0-9a-f]{3,8}\b|\b(rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(|\b(white|black|red|green|blue|gray|grey|yellow|orange)\b/i;
    for (const file of repoFiles.filter((f) => /^(common|stylesheets)\/.+\.scss$/.test(f))) {
      const scss = read(file);
      expect(scss, file).not.toMatch(/#ember\d|\.ember-view/); // core refuses these (ThemeField#contains_ember_css_selector?)
      for (const [, property, , , , value] of scss.matchAll(colourProperty)) {
        expect(value, `${file}: ${property}`).not.toMatch(literalColour);
      }
    }
  });
});

describe("repository, as Discourse clones it", () => {
  test(`stays under ${MAX_FILES} files`, () => {
    expect(trackedFiles.length).toBeLessThan(MAX_FILES);
  });

  test("recognised files and assets stay within core's size limits", () => {
    let total = 0;
    const assets = new Set(assetPaths());
    for (const file of repoFiles) {
      const isField = FIELD_PATHS.some((pattern) => pattern.test(file));
      if (!isField && !assets.has(file)) continue;
      const { size } = statSync(path.join(root, file));
      total += size;
      expect(size, file).toBeLessThanOrEqual(isField ? MAX_FIELD_BYTES : MAX_RECOGNISED_FILE_BYTES);
    }
    expect(total).toBeLessThanOrEqual(MAX_THEME_BYTES);
  });

  test("has no test/ folder (Discourse would load it as theme QUnit tests)", () => {
    expect(repoFiles.filter((file) => file.startsWith("test/"))).toEqual([]);
  });
});
