import { HARDWARE_BUDGET, SOFTWARE_BUDGET, type LodBudget } from './decimate.js';

/** Whether this browser gives a WebGL context (false where hardware acceleration is off and no fallback). */
export function webglAvailable(): boolean {
  try {
    const c = document.createElement('canvas');
    return !!(c.getContext('webgl2') ?? c.getContext('webgl'));
  } catch {
    return false;
  }
}

/** The budget for this WebGL context, from the renderer it names (software or a GPU). */
export function lodBudget(gl: WebGLRenderingContext | WebGL2RenderingContext): LodBudget {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(name) ? SOFTWARE_BUDGET : HARDWARE_BUDGET;
}
