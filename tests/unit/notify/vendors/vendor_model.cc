#include "fakes.h"

namespace ab::testing {

std::vector<std::string> VendorModel::Rejections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rejections_;
}

void VendorModel::Reject(const std::string& why) const { rejections_.push_back(why); }

}  // namespace ab::testing
