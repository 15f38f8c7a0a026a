#include "cli/cli.h"

int main(int argc, char** argv) { return openarts::cli::Main(argc, argv); }
