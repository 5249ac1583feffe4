/* schema.c — the ET12 program schema (ExecuTorch's schema/program.fbs) as data for fb_verify.
 * Field order is declaration order; a union takes two ids, its type then its value. */
#include "runtime/format/schema.h"

#define S(name, bytes) {name, FB_SCALAR, bytes, NULL, NULL, 0}
#define STR(name) {name, FB_STRING, 0, NULL, NULL, 0}
#define VEC(name, bytes) {name, FB_VECTOR, bytes, NULL, NULL, 0}
#define TAB(name, t) {name, FB_TABLE, 0, &t, NULL, 0}
#define TVEC(name, t) {name, FB_TABLE_VECTOR, 0, &t, NULL, 0}
#define UTYPE(name) {name, FB_UNION_TYPE, 1, NULL, NULL, 0}
#define UNION(name, members) {name, FB_UNION, 0, NULL, members, sizeof members / sizeof members[0]}
#define TABLE(var, name, ...)                                                                   \
    static const fb_schema_field var##_fields[] = {__VA_ARGS__};                                \
    static const fb_schema_table var = {name, sizeof var##_fields / sizeof var##_fields[0],    \
                                        var##_fields}

static const fb_schema_table null_t = {"Null", 0, NULL};
TABLE(int_t, "Int", S("int_val", 8));
TABLE(bool_t, "Bool", S("bool_val", 1));
TABLE(double_t, "Double", S("double_val", 8));
TABLE(string_t, "String", STR("string_val"));
TABLE(int_list_t, "IntList", VEC("items", 8));
TABLE(double_list_t, "DoubleList", VEC("items", 8));
TABLE(bool_list_t, "BoolList", VEC("items", 1));
TABLE(tensor_list_t, "TensorList", VEC("items", 4));
TABLE(opt_tensor_list_t, "OptionalTensorList", VEC("items", 4));
TABLE(alloc_t, "AllocationDetails", S("memory_id", 4), S("memory_offset_low", 4),
      S("memory_offset_high", 4));
TABLE(extra_t, "ExtraTensorInfo", S("mutable_data_segments_idx", 8), STR("fully_qualified_name"),
      S("location", 1), S("device_type", 1), S("device_index", 1));
TABLE(tensor_t, "Tensor", S("scalar_type", 1), S("storage_offset", 4), VEC("sizes", 4),
      VEC("dim_order", 1), S("requires_grad", 1), S("data_buffer_idx", 4),
      TAB("allocation_info", alloc_t), S("layout", 1), S("shape_dynamism", 1),
      TAB("extra_tensor_info", extra_t));
static const fb_schema_table* const kernel_types[] = {
    &null_t, &int_t, &bool_t, &double_t, &tensor_t, &string_t, &int_list_t, &double_list_t,
    &bool_list_t, &tensor_list_t, &opt_tensor_list_t};
TABLE(evalue_t, "EValue", UTYPE("val_type"), UNION("val", kernel_types));
TABLE(operator_t, "Operator", STR("name"), STR("overload"));
TABLE(kernel_call_t, "KernelCall", S("op_index", 4), VEC("args", 4));
TABLE(delegate_call_t, "DelegateCall", S("delegate_index", 4), VEC("args", 4));
TABLE(move_call_t, "MoveCall", S("move_from", 4), S("move_to", 4));
TABLE(jump_false_t, "JumpFalseCall", S("cond_value_index", 4), S("destination_instruction", 4));
TABLE(free_call_t, "FreeCall", S("value_index", 4));
static const fb_schema_table* const instruction_types[] = {
    &kernel_call_t, &delegate_call_t, &move_call_t, &jump_false_t, &free_call_t};
TABLE(instruction_t, "Instruction", UTYPE("instr_args_type"), UNION("instr_args", instruction_types));
TABLE(frame_t, "Frame", STR("filename"), S("lineno", 4), STR("name"), STR("context"));
TABLE(frame_list_t, "FrameList", TVEC("items", frame_t));
TABLE(chain_t, "Chain", VEC("inputs", 4), VEC("outputs", 4), TVEC("instructions", instruction_t),
      TVEC("stacktrace", frame_list_t));
TABLE(data_ref_t, "BackendDelegateDataReference", S("location", 1), S("index", 4));
TABLE(compile_spec_t, "CompileSpec", STR("key"), VEC("value", 1));
TABLE(delegate_t, "BackendDelegate", STR("id"), TAB("processed", data_ref_t),
      TVEC("compile_specs", compile_spec_t));
TABLE(buffer_device_t, "NonConstBufferDevice", S("buffer_idx", 4), S("device_type", 1),
      S("device_index", 1));
TABLE(container_meta_t, "ContainerMetadata", STR("encoded_inp_str"), STR("encoded_out_str"));
TABLE(plan_t, "ExecutionPlan", STR("name"), TAB("container_meta_type", container_meta_t),
      TVEC("values", evalue_t), VEC("inputs", 4), VEC("outputs", 4), TVEC("chains", chain_t),
      TVEC("operators", operator_t), TVEC("delegates", delegate_t),
      VEC("non_const_buffer_sizes", 8), TVEC("non_const_buffer_device", buffer_device_t));
TABLE(buffer_t, "Buffer", VEC("storage", 1));
TABLE(inline_data_t, "BackendDelegateInlineData", VEC("data", 1));
TABLE(segment_t, "DataSegment", S("offset", 8), S("size", 8));
TABLE(subsegment_t, "SubsegmentOffsets", S("segment_index", 4), VEC("offsets", 8));
TABLE(named_data_t, "NamedData", STR("key"), S("segment_index", 4));
TABLE(program_t, "Program", S("version", 4), TVEC("execution_plan", plan_t),
      TVEC("constant_buffer", buffer_t), TVEC("backend_delegate_data", inline_data_t),
      TVEC("segments", segment_t), TAB("constant_segment", subsegment_t),
      TVEC("mutable_data_segments", subsegment_t), TVEC("named_data", named_data_t));

const fb_schema_table* const ember_et12_schema = &program_t;
