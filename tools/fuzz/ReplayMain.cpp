//===- ReplayMain.cpp - run a fuzz target on saved inputs ------------------===//
//
// Linked with a fuzz target instead of libFuzzer: runs it once on every
// file named (or in every folder named), in name order, so that `make
// check` replays the regression inputs with any compiler. Prints one line
// per input; a crash or hang fails the caller's test.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: cannot read %s\n", argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      files.push_back(argv[i]);
      continue;
    }
    std::vector<std::string> inDir;
    if (DIR *d = opendir(argv[i])) {
      while (dirent *e = readdir(d))
        if (e->d_name[0] != '.')
          inDir.push_back(std::string(argv[i]) + "/" + e->d_name);
      closedir(d);
    }
    std::sort(inDir.begin(), inDir.end());
    files.insert(files.end(), inDir.begin(), inDir.end());
  }
  for (const std::string &f : files) {
    std::ifstream in(f, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
    printf("replayed %s\n", f.substr(f.find_last_of('/') + 1).c_str());
  }
  printf("replayed %zu inputs\n", files.size());
  return 0;
}
