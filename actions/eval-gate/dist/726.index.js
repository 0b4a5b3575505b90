import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 726;
export const ids = [726];
export const modules = {

/***/ 5726:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ActionsBaselineStore: () => (/* binding */ ActionsBaselineStore),
/* harmony export */   restoreResponseCache: () => (/* binding */ restoreResponseCache),
/* harmony export */   saveResponseCache: () => (/* binding */ saveResponseCache)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _actions_cache__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1691);



/**
 * @actions/cache implementations of the eval ports. @actions/cache stores folders under
 * immutable keys, so the response cache is a folder restored by key prefix before the run and
 * saved under a new key after it; a baseline is a folder under its exact key. When the cache
 * service is unavailable (GHES without it, local runs) both degrade to the plain folder.
 */
class ActionsBaselineStore {
    dir;
    logger;
    constructor(dir, logger) {
        this.dir = dir;
        this.logger = logger;
    }
    get description() {
        return _actions_cache__WEBPACK_IMPORTED_MODULE_2__/* .isFeatureAvailable */ .w3()
            ? 'GitHub Actions cache'
            : `folder ${this.dir} (Actions cache unavailable)`;
    }
    async load(key) {
        const folder = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(this.dir, key);
        const file = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(folder, 'results.jsonl');
        if (_actions_cache__WEBPACK_IMPORTED_MODULE_2__/* .isFeatureAvailable */ .w3()) {
            try {
                const hit = await _actions_cache__WEBPACK_IMPORTED_MODULE_2__/* .restoreCache */ .P3([folder], key);
                if (!hit)
                    return undefined;
            }
            catch (err) {
                this.logger.warn(`could not restore the baseline ${key}: ${err.message}`);
                return undefined;
            }
        }
        try {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.stat)(file);
            return file;
        }
        catch {
            return undefined;
        }
    }
    async save(key, resultsPath) {
        const folder = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(this.dir, key);
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)(folder, { recursive: true });
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.copyFile)(resultsPath, (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(folder, 'results.jsonl'));
        if (!_actions_cache__WEBPACK_IMPORTED_MODULE_2__/* .isFeatureAvailable */ .w3())
            return;
        try {
            await _actions_cache__WEBPACK_IMPORTED_MODULE_2__/* .saveCache */ .Io([folder], key);
        }
        catch (err) {
            // A baseline for this sha already exists (re-run): keys are immutable, nothing to do.
            this.logger.warn(`baseline ${key} not saved: ${err.message}`);
        }
    }
}
/** Restores the response-cache folder (newest entry with the prefix) before a run. */
async function restoreResponseCache(dir, prefix, logger) {
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)(dir, { recursive: true });
    if (!_actions_cache__WEBPACK_IMPORTED_MODULE_2__/* .isFeatureAvailable */ .w3())
        return undefined;
    try {
        return await _actions_cache__WEBPACK_IMPORTED_MODULE_2__/* .restoreCache */ .P3([dir], `${prefix}${Date.now()}`, [prefix]);
    }
    catch (err) {
        logger.warn(`response cache not restored: ${err.message}`);
        return undefined;
    }
}
/** Saves the response-cache folder under a new key when the run added entries. */
async function saveResponseCache(dir, key, logger) {
    if (!_actions_cache__WEBPACK_IMPORTED_MODULE_2__/* .isFeatureAvailable */ .w3())
        return;
    try {
        await _actions_cache__WEBPACK_IMPORTED_MODULE_2__/* .saveCache */ .Io([dir], key);
    }
    catch (err) {
        logger.warn(`response cache not saved: ${err.message}`);
    }
}


/***/ })

};
