/* A library describing itself as a model of an older runtime ABI. */
typedef struct { int abi_version; const char *target; } old_info;
static const old_info info = {1, "x86-64"};
const old_info *whittle_model_describe(void) { return &info; }
