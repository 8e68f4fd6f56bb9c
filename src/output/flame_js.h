/* flame_js.h — the script embedded in flame graph SVGs (flame_js.c, generated). */
#ifndef NODESCOPE_FLAME_JS_H
#define NODESCOPE_FLAME_JS_H
extern const char out_flame_script[];
#endif
