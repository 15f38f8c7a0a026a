// COCO, YOLO, CSV, doccano and CoNLL imports and exports (interchange.h).
#include "interchange.h"

namespace openarts::data {

bool IsForeignImportFormat(std::string_view) { return false; }

Status ReadForeignImport(objstore::ObjectStore&, const Dataset&, const ImportRequest& req,
                         const objstore::ObsUri&, size_t, const ImportSink&, std::vector<std::string>&,
                         Json&, const std::function<void(double)>&) {
  return InvalidArgument("annotation_format: importing " + req.format + " is not available yet");
}

bool IsForeignExportFormat(std::string_view) { return false; }

Result<std::unique_ptr<ForeignWriter>> MakeForeignWriter(objstore::ObjectStore&, const Dataset&,
                                                         const ExportRequest& req) {
  return InvalidArgument("annotation_format: ModelArts.4384 Invalid export parameter: exporting " +
                         req.format + " is not available yet; use manifest or VOC");
}

}  // namespace openarts::data
