# Thin wrappers over add_mlir_* in the CIRCT manner: every Whittle library
# links the shared MLIR library and nothing else from MLIR.

function(add_whittle_dialect dialect dialect_namespace)
  add_mlir_dialect(${ARGV})
  add_dependencies(whittle-headers MLIR${dialect}IncGen)
endfunction()

function(add_whittle_library name)
  add_mlir_library(${ARGV} DISABLE_INSTALL)
  target_link_libraries(${name} PUBLIC ${WHITTLE_MLIR_LIBS})
  add_dependencies(${name} whittle-headers)
endfunction()

function(add_whittle_doc doc_filename output_file output_directory command)
  add_mlir_doc(${ARGV})
endfunction()
