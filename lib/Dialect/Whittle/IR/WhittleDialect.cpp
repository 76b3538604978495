//===- WhittleDialect.cpp - whittle dialect registration ------------------===//

#include "whittle/Dialect/Whittle/WhittleDialect.h"
#include "whittle/Dialect/Whittle/WhittleOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace whittle::wt;

#include "whittle/Dialect/Whittle/WhittleDialect.cpp.inc"
#include "whittle/Dialect/Whittle/WhittleEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "whittle/Dialect/Whittle/WhittleAttrs.cpp.inc"

void WhittleDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "whittle/Dialect/Whittle/WhittleAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "whittle/Dialect/Whittle/WhittleOps.cpp.inc"
      >();
}

Operation *WhittleDialect::materializeConstant(OpBuilder &builder,
                                               Attribute value, Type type,
                                               Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}
