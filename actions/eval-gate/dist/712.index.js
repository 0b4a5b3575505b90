import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 712;
export const ids = [712];
export const modules = {

/***/ 7712:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   FolderCache: () => (/* binding */ FolderCache),
/* harmony export */   NoCache: () => (/* binding */ NoCache),
/* harmony export */   cacheKey: () => (/* binding */ cacheKey)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _suite_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1408);



/** Key = sha256 of the canonical JSON of every part that can change a response. */
function cacheKey(parts) {
    return (0,_suite_js__WEBPACK_IMPORTED_MODULE_2__/* .sha256 */ .sc)((0,_suite_js__WEBPACK_IMPORTED_MODULE_2__/* .canonicalJson */ .dj)(parts));
}
/** One file per key under <dir>/<2 hex>/<key>.json; writes are atomic (temp + rename). */
class FolderCache {
    dir;
    constructor(dir) {
        this.dir = dir;
    }
    file(key) {
        return (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(this.dir, key.slice(0, 2), `${key}.json`);
    }
    async get(key) {
        try {
            return await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(this.file(key), 'utf8');
        }
        catch {
            return undefined;
        }
    }
    async put(key, value) {
        const file = this.file(key);
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(this.dir, key.slice(0, 2)), { recursive: true });
        const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.writeFile)(tmp, value);
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rename)(tmp, file);
    }
}
/** No caching (`--no-cache`). */
class NoCache {
    async get() {
        return undefined;
    }
    async put() { }
}


/***/ })

};
