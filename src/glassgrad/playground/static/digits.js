// The digits tab (filled in by the digits layer).
"use strict";
window.Digits = { status() {}, show() {} };
