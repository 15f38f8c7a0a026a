#include <gtest/gtest.h>

#include "spec.h"

namespace openarts::train {
namespace {

Json Body() {
  return Json::parse(R"({
    "kind": "job",
    "metadata": {"name": "mnist-ddp", "description": "d"},
    "algorithm": {
      "code_dir": "obs://bkt/mnist/code", "boot_file": "main.py",
      "engine": {"engine_name": "PyTorch",
                 "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"},
      "parameters": [{"name": "epoch", "value": "3"}, {"name": "pretrained"}],
      "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": "obs://bkt/data/"}}}],
      "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": "obs://bkt/out"}}}],
      "environments": {"FOO": "bar"}
    },
    "spec": {"resource": {"flavor_id": "modelarts.vm.cpu.2u", "node_count": 2},
             "log_export_path": {"obs_url": "obs://bkt/logs/"}}
  })");
}

std::string ErrorOf(const Json& body) {
  auto r = DecodeJobSpec(body, Catalog::Default());
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

TEST(SpecTest, DecodesAPresetEngineJob) {
  auto s = DecodeJobSpec(Body(), Catalog::Default());
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name, "mnist-ddp");
  EXPECT_EQ(s->code_dir, "obs://bkt/mnist/code/");
  EXPECT_EQ(s->node_count, 2);
  EXPECT_TRUE(s->ddp_args);  // multi-instance PyTorch
  ASSERT_EQ(s->parameters.size(), 2u);
  EXPECT_FALSE(s->parameters[1].value.has_value());
  EXPECT_EQ(s->outputs[0].obs_url, "obs://bkt/out/");
  // The normalised form decodes to the same spec.
  auto again = DecodeJobSpec(s->ToJson(), Catalog::Default());
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->ToJson(), s->ToJson());
}

TEST(SpecTest, ErrorsNameTheFieldAndTheFix) {
  Json b = Body();
  b["spec"]["resource"]["flavor_id"] = "modelarts.vm.cpu.99u";
  EXPECT_NE(ErrorOf(b).find("spec.resource.flavor_id: unknown flavor 'modelarts.vm.cpu.99u'; valid: "
                            "modelarts.vm.cpu.1u"),
            std::string::npos);
  b = Body();
  b["algorithm"].erase("boot_file");
  EXPECT_NE(ErrorOf(b).find("algorithm.boot_file: required"), std::string::npos);
  b = Body();
  b["algorithm"]["environments"]["MA_X"] = "1";
  EXPECT_NE(ErrorOf(b).find("MA_ are reserved"), std::string::npos);
  b = Body();
  b["metadata"]["name"] = "bad name";
  EXPECT_NE(ErrorOf(b).find("metadata.name"), std::string::npos);
  b = Body();
  b["algorithm"]["engine"]["engine_version"] = "nope";
  EXPECT_NE(ErrorOf(b).find("get-engine"), std::string::npos);
  b = Body();
  b["spec"]["resource"]["node_count"] = 99;
  EXPECT_NE(ErrorOf(b).find("max_num"), std::string::npos);
  b = Body();
  b["algorithm"]["outputs"][0]["name"] = "data_url";
  EXPECT_NE(ErrorOf(b).find("used twice"), std::string::npos);
  b = Body();
  b["metadata"]["annotations"] = {{"fault-tolerance/job-retry-num", "5"}};
  EXPECT_NE(ErrorOf(b).find("0, 1, 2 or 3"), std::string::npos);
}

TEST(SpecTest, CustomImagesDerivedFromPresetEnginesRunLocally) {
  Json b = Body();
  b["algorithm"]["engine"] = {
      {"image_url",
       "atelier/pytorch_1_8:pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64-20220926104358-041ba2e"}};
  b["algorithm"]["command"] = "python main.py";
  auto s = DecodeJobSpec(b, Catalog::Default());
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(s->custom_mode());
  b["algorithm"]["engine"] = {{"image_url", "someone/else:1"}};
  EXPECT_NE(ErrorOf(b).find("not available on the local backend"), std::string::npos);
}

TEST(SpecTest, DatasetVersionInputs) {
  Json b = Body();
  b["algorithm"]["inputs"][0]["remote"] = Json::parse(R"({"dataset": {"id": "ds1", "version_id": "V001"}})");
  auto s = DecodeJobSpec(b, Catalog::Default());
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->inputs[0].dataset_id, "ds1");
  EXPECT_EQ(s->inputs[0].dataset_version_id, "V001");
  EXPECT_EQ(s->inputs[0].obs_url, "");
  auto again = DecodeJobSpec(s->ToJson(), Catalog::Default());
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->inputs[0].dataset_id, "ds1");
  b["algorithm"]["inputs"][0]["remote"] = Json::parse(R"({"dataset": {"id": "ds1"}})");
  EXPECT_NE(ErrorOf(b).find("algorithm.inputs[0].remote.dataset.version_id: required"), std::string::npos)
      << ErrorOf(b);
  b = Body();
  b["algorithm"]["outputs"][0]["remote"] = Json::parse(R"({"dataset": {"id": "ds1", "version_id": "V001"}})");
  EXPECT_NE(ErrorOf(b).find("outputs go to remote.obs.obs_url"), std::string::npos) << ErrorOf(b);
}

TEST(SpecTest, ShellQuote) {
  EXPECT_EQ(ShellQuote("/a/b_c-1.txt"), "/a/b_c-1.txt");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
}

}  // namespace
}  // namespace openarts::train
