// authnetctl: the admin and ops tool. main only dispatches; each command
// lives in admin_commands.cc, node_commands.cc or another file of node/ctl.
#include <grpc/support/log.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "node/core/build_info.h"
#include "node/ctl/admin_commands.h"
#include "node/ctl/backup_commands.h"
#include "node/ctl/local_commands.h"
#include "node/ctl/member_commands.h"
#include "node/ctl/member_profile.h"
#include "node/ctl/node_commands.h"
#include "node/ctl/roster_view.h"
#include "node/ctl/token_commands.h"

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  authnetctl network init   --network NAME --dir ADMIN_DIR [--admins N --threshold M]\n"
    "                            [--passphrase-file F]\n"
    "  authnetctl network rotate-key --dir ADMIN_DIR\n"
    "  authnetctl network admins --dir ADMIN_DIR [--add | --add-key PUB_PEM] [--remove FP]\n"
    "                            [--threshold M]\n"
    "  authnetctl member keygen  ID --network NAME --endpoint HOST:PORT --out BUNDLE_DIR\n"
    "  authnetctl member keygen  --renew --out BUNDLE_DIR [--endpoint HOST:PORT]\n"
    "  authnetctl member add     ID --dir ADMIN_DIR --request FILE --out ENROLL_DIR [--trust W]\n"
    "                            [--role platform|brand|observer] [--prefixes P,...]\n"
    "  authnetctl member add     ID --dir ADMIN_DIR --endpoint HOST:PORT --out BUNDLE_DIR "
    "[--trust W]\n"
    "                            [--role ROLE] [--prefixes P,...]   (demo)\n"
    "  authnetctl member install --bundle BUNDLE_DIR --from ENROLL_DIR [--admin-set FP]\n"
    "  authnetctl member update  ID --dir ADMIN_DIR [--role ROLE] [--prefixes P,...] [--trust W]\n"
    "  authnetctl member list    --dir ADMIN_DIR [--json]\n"
    "  authnetctl member revoke  ID --dir ADMIN_DIR [--no-rotate]\n"
    "  authnetctl member renew   ID --dir ADMIN_DIR --request FILE --out ENROLL_DIR "
    "[--revoke-previous]\n"
    "  authnetctl roster push    --dir ADMIN_DIR --node API_ADDR [--roster FILE]\n"
    "  authnetctl roster refresh --dir ADMIN_DIR [--valid-days N]\n"
    "  authnetctl roster sign    --dir ADMIN_DIR --key ADMIN_KEY_FILE [--passphrase-file F]\n"
    "  authnetctl roster show    --bundle BUNDLE_DIR | --node API_ADDR [--json]\n"
    "  authnetctl token create   NAME --data DATA_DIR|--store URL [--admin]\n"
    "  authnetctl token revoke   NAME --data DATA_DIR|--store URL\n"
    "  authnetctl token list     --data DATA_DIR|--store URL [--json]\n"
    "  authnetctl status         --node API_ADDR [--json]\n"
    "  authnetctl check          --node API_ADDR [--gtin G] [--serial S] [--lot L] "
    "[--supplier X]\n"
    "                            [--seller X] [--nfc-uid X] [--image-phash X] [--gs1 SCAN]\n"
    "                            [--json]\n"
    "  authnetctl report         --node API_ADDR --kind KIND [subject flags] [--weight W] "
    "[--json]\n"
    "                            [--idempotency-key K] [--serials-file FILE]\n"
    "  authnetctl retract        --node API_ADDR --seq N [--count C] [--json]\n"
    "  authnetctl alerts         --node API_ADDR [--json] [--no-follow]\n"
    "  authnetctl override add   --node API_ADDR --allow|--deny [subject flags] --reason TEXT\n"
    "                            [--expires-days N] [--json]\n"
    "  authnetctl override list  --node API_ADDR [--json]\n"
    "  authnetctl override remove ID --node API_ADDR\n"
    "  authnetctl usage          --node API_ADDR [--month YYYY-MM] [--json]\n"
    "  authnetctl backup         --data DATA_DIR --out FILE\n"
    "  authnetctl restore        --data DATA_DIR --from FILE | --from-peers\n"
    "  authnetctl --version      (this program's version, git commit and libraries)\n"
    "API_ADDR is HOST:PORT or unix:PATH. Commands with --node also take [--ca FILE]\n"
    "[--server-name NAME] [--token-file FILE] (or $AUTHNET_TOKEN) for a remote api\n"
    "listener, which needs TLS and a bearer token. KIND is one of counterfeit_confirmed,\n"
    "counterfeit_suspected, verification_failed, verification_passed, unit_sold,\n"
    "return_not_genuine; a brand also reports unit_commissioned, unit_decommissioned\n"
    "(--serial S, or --serials-file with one serial a line) and gtin_serialized. --gs1 takes what "
    "a scanner or label gives: \"(01)...(21)...\",\n"
    "raw scan data with GS separators, or a GS1 Digital Link URI. Commands that sign a\n"
    "roster take [--passphrase-file F] for encrypted admin keys (or ask on a terminal).\n";

// One row per command: its group, its subcommand ("" for a one-word
// command) and what runs it with the words after them.
struct Command {
  const char* group;
  const char* sub;
  int (*run)(const std::vector<std::string>& args);
};

constexpr Command kCommands[] = {
    {"network", "init", authnet::RunNetworkInit},
    {"network", "rotate-key", authnet::RunNetworkRotateKey},
    {"network", "admins", authnet::RunNetworkAdmins},
    {"member", "keygen", authnet::RunMemberKeygen},
    {"member", "install", authnet::RunMemberInstall},
    {"roster", "sign", authnet::RunRosterSign},
    {"member", "add", authnet::RunMemberAdd},
    {"member", "update", authnet::RunMemberUpdate},
    {"member", "list", authnet::RunMemberList},
    {"member", "revoke", authnet::RunMemberRevoke},
    {"member", "renew", authnet::RunMemberRenew},
    {"roster", "push", authnet::RunRosterPush},
    {"roster", "refresh", authnet::RunRosterRefresh},
    {"roster", "show", authnet::RunRosterShow},
    {"token", "create", authnet::RunTokenCreate},
    {"token", "revoke", authnet::RunTokenRevoke},
    {"token", "list", authnet::RunTokenList},
    {"status", "", authnet::RunStatus},
    {"check", "", authnet::RunCheck},
    {"report", "", authnet::RunReport},
    {"retract", "", authnet::RunRetract},
    {"alerts", "", authnet::RunAlerts},
    {"override", "add", authnet::RunOverrideAdd},
    {"override", "list", authnet::RunOverrideList},
    {"override", "remove", authnet::RunOverrideRemove},
    {"usage", "", authnet::RunUsage},
    {"backup", "", authnet::RunBackup},
    {"restore", "", authnet::RunRestore},
};

}  // namespace

int main(int argc, char** argv) {
  // gRPC's own log lines ("E1201 ... ssl_transport_security.cc ...") are not
  // for the person at the terminal: every failed call says what went wrong
  // (node_channel.h). GRPC_VERBOSITY set brings them back, to debug.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) {
    gpr_set_log_function([](gpr_log_func_args*) {});
  }
  std::vector<std::string> words(argv + 1, argv + argc);
  // --version wins over any command and flag.
  if (std::find(words.begin(), words.end(), "--version") != words.end()) {
    std::printf("%s\n", authnet::VersionLine("authnetctl").c_str());
    return 0;
  }
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    std::fputs(kUsage, words.empty() ? stderr : stdout);
    return words.empty() ? 2 : 0;
  }
  const std::string& group = words[0];
  const std::string sub = words.size() > 1 ? words[1] : "";
  for (const Command& c : kCommands) {
    if (group == c.group && (*c.sub == '\0' || sub == c.sub)) {
      size_t skip = *c.sub == '\0' ? 1 : 2;
      return c.run(std::vector<std::string>(words.begin() + skip, words.end()));
    }
  }
  std::fprintf(stderr, "authnetctl: unknown command '%s%s%s'; run 'authnetctl --help'\n",
               group.c_str(), sub.empty() ? "" : " ", sub.c_str());
  return 2;
}
