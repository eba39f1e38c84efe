// www/host/sidebar-host.js, loaded by the pages before their own script, as these scripts use it.
interface CrmSidebarHostMount {
  iframe: HTMLIFrameElement;
  pluginOrigin: string;
  update(partialContext: object): Promise<void>;
  destroy(): void;
}
interface CrmSidebarHostApi {
  PROTOCOL: string;
  VIEWS: string[];
  mount(options: {
    container: HTMLElement | string;
    pluginUrl: string;
    view?: string;
    frameId?: string;
    frameClass?: string;
    title?: string;
    getContext: () => Promise<object>;
    getToken?: () => Promise<object>;
    onOpenRecord?: (entity: string, id: string) => unknown;
    onLogActivity?: (activity: { entity: string; id: string; subject: string; body: string }) => unknown;
    onResize?: (height: number) => void;
    onClose?: () => void;
  }): CrmSidebarHostMount;
}
interface Window {
  CrmSidebarHost: CrmSidebarHostApi;
}
