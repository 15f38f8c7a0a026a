// Intelligent labeling, "active learning / fast" (spec §7): train a model on the labeled samples
// only, predict the unlabeled ones into "to be confirmed" with a confidence, and flag the least
// confident as hard examples. Confirming copies a prediction into the sample's labels.
//
// The model (docs/datasets.md, "Intelligent labeling"): features computed here in C++ and a
// multinomial logistic regression (softmax, L2, mini-batch SGD with a fixed seed, so a run is
// reproducible).
//   text: hashed bag of words — lowercased ASCII/Latin words, every CJK character and every pair
//         of adjacent CJK characters — 2^16 buckets, TF weights, L2-normalised;
//   image: the image decoded at ≥ 64 px (DCT-scaled), averaged to a 16×16 grey patch (256), a
//         4×4 grid of mean R, G, B (48), a 12-bin hue histogram weighted by saturation (12) and
//         the global brightness, saturation, contrast and colourfulness (4): 320 values,
//         standardised with the training set's mean and deviation.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <unordered_map>

#include "imaging/imaging.h"
#include "objstore/names.h"
#include "service_impl.h"

namespace openarts::data {

using formats::ManifestAnnotation;
using meta::Row;
using meta::Tx;
using meta::Value;

namespace {

constexpr int kTextDims = 1 << 16;
constexpr int kImageDims = 320;

// A feature vector: dense (images) or sparse (text), always read through ForEach.
struct Features {
  std::vector<std::pair<int, float>> sparse;
  std::vector<float> dense;
  template <typename F>
  void ForEach(F&& f) const {
    if (!dense.empty()) {
      for (size_t i = 0; i < dense.size(); ++i) f(static_cast<int>(i), dense[i]);
    } else {
      for (auto [i, v] : sparse) f(i, v);
    }
  }
};

uint32_t Fnv(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

bool IsCjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x3040 && cp <= 0x30FF) ||
         (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF);
}

Features TextFeatures(std::string_view text) {
  std::unordered_map<int, float> counts;
  auto add = [&](std::string_view token) { counts[static_cast<int>(Fnv(token) % kTextDims)] += 1; };
  std::string word;
  std::string prev_cjk;
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    len = std::min(len, text.size() - i);
    uint32_t cp = c;
    if (len == 2) cp = ((c & 0x1F) << 6) | (text[i + 1] & 0x3F);
    if (len == 3) cp = ((c & 0x0F) << 12) | ((text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F);
    if (len == 4) cp = ((c & 0x07) << 18) | ((text[i + 1] & 0x3F) << 12) | ((text[i + 2] & 0x3F) << 6) | (text[i + 3] & 0x3F);
    std::string_view ch = text.substr(i, len);
    if (IsCjk(cp)) {
      if (!word.empty()) add("w:" + word), word.clear();
      add("c:" + std::string(ch));
      if (!prev_cjk.empty()) add("b:" + prev_cjk + std::string(ch));
      prev_cjk = std::string(ch);
    } else {
      prev_cjk.clear();
      bool letter = (cp < 0x80 && std::isalnum(static_cast<int>(cp))) || (cp >= 0xC0 && cp < 0x2000);
      if (letter) {
        word += cp < 0x80 ? static_cast<char>(std::tolower(static_cast<int>(cp))) : '\0';
        if (cp >= 0x80) word.back() = ch[0], word.append(ch.substr(1));
      } else if (!word.empty()) {
        add("w:" + word);
        word.clear();
      }
    }
    i += len;
  }
  if (!word.empty()) add("w:" + word);
  Features f;
  double norm = 0;
  for (auto& [k, v] : counts) norm += v * v;
  norm = std::sqrt(std::max(norm, 1e-12));
  for (auto& [k, v] : counts) f.sparse.emplace_back(k, static_cast<float>(v / norm));
  std::sort(f.sparse.begin(), f.sparse.end());
  return f;
}

Result<Features> ImageFeaturesOf(std::string_view bytes) {
  OA_ASSIGN_OR_RETURN(imaging::Image img, imaging::Decode(bytes, {.min_side = 64}));
  Features f;
  f.dense.assign(kImageDims, 0.0f);
  const int w = img.width, h = img.height;
  // 16×16 grey and 4×4×3 colour grids by area averaging.
  std::vector<double> grey(256, 0), grey_n(256, 0), rgb(48, 0), rgb_n(16, 0), hue(12, 0);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const uint8_t* p = &img.rgb[(static_cast<size_t>(y) * w + x) * 3];
      double r = p[0], g = p[1], b = p[2];
      int gy = y * 16 / h, gx = x * 16 / w;
      grey[gy * 16 + gx] += (0.299 * r + 0.587 * g + 0.114 * b) / 255.0;
      grey_n[gy * 16 + gx] += 1;
      int cy = y * 4 / h, cx = x * 4 / w;
      rgb[(cy * 4 + cx) * 3] += r / 255.0;
      rgb[(cy * 4 + cx) * 3 + 1] += g / 255.0;
      rgb[(cy * 4 + cx) * 3 + 2] += b / 255.0;
      rgb_n[cy * 4 + cx] += 1;
      double mx = std::max({r, g, b}), mn = std::min({r, g, b});
      if (mx > 0 && mx > mn) {
        double d = mx - mn, hh;
        if (mx == r) hh = std::fmod((g - b) / d, 6.0);
        else if (mx == g) hh = (b - r) / d + 2;
        else hh = (r - g) / d + 4;
        if (hh < 0) hh += 6;
        hue[std::min(11, static_cast<int>(hh * 2))] += d / mx;
      }
    }
  }
  size_t k = 0;
  for (int i = 0; i < 256; ++i) f.dense[k++] = static_cast<float>(grey_n[i] ? grey[i] / grey_n[i] : 0);
  for (int i = 0; i < 48; ++i) f.dense[k++] = static_cast<float>(rgb_n[i / 3] ? rgb[i] / rgb_n[i / 3] : 0);
  double total = std::max(1.0, static_cast<double>(w) * h);
  for (int i = 0; i < 12; ++i) f.dense[k++] = static_cast<float>(hue[i] / total);
  imaging::PixelMetrics m = imaging::MeasurePixels(img);
  f.dense[k++] = static_cast<float>(m.brightness);
  f.dense[k++] = static_cast<float>(m.saturation);
  f.dense[k++] = static_cast<float>(m.contrast);
  f.dense[k++] = static_cast<float>(m.colorfulness / 100.0);
  return f;
}

// Softmax regression over `dims` features and `classes` classes.
class Softmax {
 public:
  Softmax(int dims, int classes) : dims_(dims), classes_(classes), w_(static_cast<size_t>(dims) * classes, 0.0f), b_(classes, 0.0f) {}

  void Train(const std::vector<Features>& x, const std::vector<int>& y, int epochs, double lr0, double l2) {
    std::mt19937 rng(20190123);
    std::vector<size_t> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> p(classes_);
    for (int e = 0; e < epochs; ++e) {
      std::shuffle(order.begin(), order.end(), rng);
      double lr = lr0 / (1.0 + 0.1 * e);
      for (size_t i : order) {
        Probabilities(x[i], p);
        for (int c = 0; c < classes_; ++c) {
          double g = p[c] - (y[i] == c ? 1.0 : 0.0);
          b_[c] -= static_cast<float>(lr * g);
          x[i].ForEach([&](int d, float v) {
            float& w = w_[static_cast<size_t>(d) * classes_ + c];
            w -= static_cast<float>(lr * (g * v + l2 * w));
          });
        }
      }
    }
  }

  void Probabilities(const Features& f, std::vector<double>& p) const {
    for (int c = 0; c < classes_; ++c) p[c] = b_[c];
    f.ForEach([&](int d, float v) {
      const float* row = &w_[static_cast<size_t>(d) * classes_];
      for (int c = 0; c < classes_; ++c) p[c] += row[c] * v;
    });
    double mx = *std::max_element(p.begin(), p.end()), sum = 0;
    for (double& v : p) sum += (v = std::exp(v - mx));
    for (double& v : p) v /= sum;
  }

 private:
  int dims_, classes_;
  std::vector<float> w_, b_;
};

void Standardize(std::vector<Features>& train, std::vector<Features>& predict) {
  if (train.empty() || train[0].dense.empty()) return;
  size_t d = train[0].dense.size();
  std::vector<double> mean(d, 0), sd(d, 0);
  for (auto& f : train) for (size_t i = 0; i < d; ++i) mean[i] += f.dense[i];
  for (double& m : mean) m /= static_cast<double>(train.size());
  for (auto& f : train) for (size_t i = 0; i < d; ++i) sd[i] += (f.dense[i] - mean[i]) * (f.dense[i] - mean[i]);
  for (double& s : sd) s = std::sqrt(s / static_cast<double>(train.size())) + 1e-6;
  for (auto* set : {&train, &predict}) {
    for (auto& f : *set) {
      for (size_t i = 0; i < d; ++i) f.dense[i] = static_cast<float>((f.dense[i] - mean[i]) / sd[i] / std::sqrt(static_cast<double>(d)));
    }
  }
}

}  // namespace

Result<Json> DataServiceImpl::AutoLabel(const Dataset& ds_in, const Json& params,
                                        const std::function<void(double)>& progress) {
  OA_ASSIGN_OR_RETURN(Dataset ds, GetDataset(ds_in.project_id, ds_in.id, true));
  const Capabilities* caps = CapabilitiesOf(ds.type);
  if (!caps->smart) {
    return FailedPrecondition("task_type: intelligent labeling is for image classification, object detection "
                              "and text classification datasets; this dataset is type " + std::to_string(ds.type));
  }
  if (ds.type != 0 && ds.type != 100) {
    return FailedPrecondition("ModelArts.4408 Dataset contains labels shape not bndbox: intelligent labeling "
                              "of object detection needs a detector this installation does not ship; label "
                              "boxes by hand (docs/datasets.md)");
  }
  std::string algorithm = params.value("algorithm_type", std::string("fast"));
  if (algorithm != "fast") {
    return InvalidArgument("algorithm_type: only \"fast\" (trained on the labeled samples) is available");
  }
  // Preconditions (spec §7.2): ≥ 2 labels each on ≥ 5 samples, ≥ 1 unlabeled sample.
  std::vector<const Label*> usable;
  for (const Label& l : ds.labels) {
    if (l.sample_count >= 5) usable.push_back(&l);
  }
  if (ds.labels.size() < 2) {
    return FailedPrecondition("ModelArts.4405 Dataset must contains labels to start automation labeling (at least 2)");
  }
  if (usable.size() < 2) {
    return FailedPrecondition("ModelArts.4406 Dataset must contains labels with at least five images to start "
                              "automation labeling");
  }
  if (ds.unlabeled_count < 1) return FailedPrecondition("ModelArts.4407 Dataset must contains unlabeled files");

  std::unordered_map<std::string, int> class_of;
  std::vector<std::string> classes;
  for (const Label* l : usable) {
    class_of[l->name] = static_cast<int>(classes.size());
    classes.push_back(l->name);
  }
  bool text = ds.type == 100;
  auto features_of = [&](const Sample& s) -> Result<Features> {
    if (auto t = ContentText(s.source)) return TextFeatures(*t);
    OA_ASSIGN_OR_RETURN(std::string bytes, ReadObject(objects_, s.source));
    return ImageFeaturesOf(bytes);
  };
  std::vector<Features> train_x, predict_x;
  std::vector<int> train_y;
  std::vector<std::string> predict_ids;
  int64_t skipped = 0;
  std::vector<std::string> skipped_examples;
  OA_TRY(ForEachSample(ds, [&](const Sample& s) -> Status {
    if (s.state == SampleState::kLabeled) {
      int cls = -1;
      for (const auto& a : s.manifest.annotations) {
        if (a.name && class_of.count(*a.name)) {
          cls = class_of[*a.name];
          break;
        }
      }
      if (cls < 0) return Status::Ok();
      auto f = features_of(s);
      if (!f.ok()) {
        ++skipped;
        if (skipped_examples.size() < 5) skipped_examples.push_back(s.source + ": " + f.status().message());
        return Status::Ok();
      }
      train_x.push_back(std::move(*f));
      train_y.push_back(cls);
    } else if (s.state == SampleState::kUnlabeled) {
      auto f = features_of(s);
      if (!f.ok()) {
        ++skipped;
        if (skipped_examples.size() < 5) skipped_examples.push_back(s.source + ": " + f.status().message());
        return Status::Ok();
      }
      predict_x.push_back(std::move(*f));
      predict_ids.push_back(s.id);
    }
    return Status::Ok();
  }));
  if (progress) progress(0.4);
  if (train_x.size() < 10) {
    return FailedPrecondition("ModelArts.4406 Dataset must contains labels with at least five images to start "
                              "automation labeling (" + std::to_string(train_x.size()) + " usable samples; " +
                              std::to_string(skipped) + " could not be read)");
  }
  Standardize(train_x, predict_x);
  int dims = text ? kTextDims : kImageDims;
  // Held-out accuracy on a fifth of the labeled samples when there are enough, for the report.
  double holdout_accuracy = -1;
  if (train_x.size() >= 25) {
    std::vector<Features> hx, tx;
    std::vector<int> hy, ty;
    for (size_t i = 0; i < train_x.size(); ++i) {
      (i % 5 == 4 ? hx : tx).push_back(train_x[i]);
      (i % 5 == 4 ? hy : ty).push_back(train_y[i]);
    }
    Softmax probe(dims, static_cast<int>(classes.size()));
    probe.Train(tx, ty, 30, 0.5, 1e-4);
    std::vector<double> p(classes.size());
    int right = 0;
    for (size_t i = 0; i < hx.size(); ++i) {
      probe.Probabilities(hx[i], p);
      right += static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()) == hy[i];
    }
    holdout_accuracy = static_cast<double>(right) / static_cast<double>(hx.size());
  }
  Softmax model(dims, static_cast<int>(classes.size()));
  model.Train(train_x, train_y, 30, 0.5, 1e-4);
  if (progress) progress(0.7);

  // Predictions, then the least confident tenth (at least one) flagged hard (reason 1: low
  // confidence, spec §2.3).
  struct Prediction {
    size_t index;
    int cls;
    double confidence;
  };
  std::vector<Prediction> preds;
  std::vector<double> p(classes.size());
  for (size_t i = 0; i < predict_x.size(); ++i) {
    model.Probabilities(predict_x[i], p);
    int c = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
    preds.push_back({i, c, p[c]});
  }
  std::vector<size_t> by_conf(preds.size());
  std::iota(by_conf.begin(), by_conf.end(), 0);
  std::sort(by_conf.begin(), by_conf.end(), [&](size_t a, size_t b) { return preds[a].confidence < preds[b].confidence; });
  size_t hard_n = preds.empty() ? 0 : std::max<size_t>(1, preds.size() / 10);
  std::vector<bool> hard(preds.size(), false);
  for (size_t i = 0; i < hard_n; ++i) hard[by_conf[i]] = true;

  OA_ASSIGN_OR_RETURN(Fresh fresh, FreshOf(ds.seq));
  OA_ASSIGN_OR_RETURN(LabelMap labels, LoadLabels(ds.seq));
  int64_t now = clock_.NowMillis();
  const std::string type(caps->manifest_type);
  for (size_t start = 0; start < preds.size(); start += 2000) {
    OA_TRY(db_.Transact([&](Tx& tx) -> Status {
      int64_t moved = 0;
      for (size_t i = start; i < std::min(preds.size(), start + 2000); ++i) {
        const Prediction& pr = preds[i];
        auto n = ParseSampleId(fresh.salt, predict_ids[pr.index]);
        if (!n) continue;
        const Label* l = labels.ByName(classes[pr.cls], LabelTypesOf(ds.type).front());
        if (!l) continue;
        formats::ManifestSample holder;
        ManifestAnnotation a;
        a.type = type;
        a.name = std::to_string(l->id);
        a.confidence = std::round(pr.confidence * 1e6) / 1e6;
        a.annotated_by = "modelarts/active-learning";
        holder.annotations.push_back(std::move(a));
        // Only samples still unlabeled (someone may have labeled one meanwhile).
        OA_ASSIGN_OR_RETURN(int64_t changed,
                            tx.Exec("UPDATE dataset_samples SET state = 1, preds = $1, score = $2, hard = $3, "
                                    "update_time = $4 WHERE no = $5 AND state = 0",
                                    {formats::WriteManifestLine(holder), *holder.annotations[0].confidence,
                                     int64_t{hard[i] ? 1 : 0}, now, SampleKey(ds.seq, *n)}));
        moved += changed;
      }
      return tx.Exec("UPDATE datasets SET to_confirm_count = to_confirm_count + $1 WHERE seq = $2", {moved, ds.seq})
          .status();
    }));
  }
  if (progress) progress(1.0);
  Json out = {{"algorithm_type", "fast"},
              {"model", text ? "softmax regression on hashed words and CJK characters (2^16)"
                             : "softmax regression on 320 colour, layout and texture features"},
              {"classes", classes},
              {"trained_sample_count", train_x.size()},
              {"predicted_sample_count", preds.size()},
              {"hard_sample_count", hard_n},
              {"unreadable_sample_count", skipped},
              {"unreadable_examples", skipped_examples}};
  if (holdout_accuracy >= 0) out["holdout_accuracy"] = holdout_accuracy;
  return out;
}

Result<int64_t> DataServiceImpl::ConfirmPredictions(const Dataset& ds, const std::vector<std::string>& ids) {
  if ((ds.type == 1 || ds.type == 600) && ids.size() != 1) {
    return InvalidArgument("samples: object detection predictions are confirmed one image at a time (spec §7.1)");
  }
  std::vector<SampleLabelsUpdate> updates;
  for (const std::string& id : ids) {
    OA_ASSIGN_OR_RETURN(Sample s, GetSample(ds, id));
    if (s.state != SampleState::kToBeConfirmed) {
      return FailedPrecondition("samples: " + id + " has no prediction to confirm (state " +
                                std::string(SampleStateName(s.state)) + ")");
    }
    SampleLabelsUpdate u;
    u.sample_id = id;
    for (ManifestAnnotation a : s.predictions) {
      a.annotated_by = "human";  // a confirmed prediction is a person's label (spec §7.2 note)
      a.confidence.reset();
      u.annotations.push_back(std::move(a));
    }
    updates.push_back(std::move(u));
  }
  OA_TRY(UpdateSamples(ds, updates));
  return static_cast<int64_t>(updates.size());
}

}  // namespace openarts::data
