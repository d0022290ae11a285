// Types of the Vite plugin in ember-gjs-plugin.js, for the structure test (TypeScript).
export interface EmberGjsOptions {
  mode?: "dev" | "prod";
  themeDir?: string;
  embroiderMacros?: boolean;
}

export interface EmberGjsPlugin {
  name: string;
  transform(code: string, id: string): Promise<{ code: string; map: unknown } | undefined>;
}

export default function emberGjs(options?: EmberGjsOptions): EmberGjsPlugin;
