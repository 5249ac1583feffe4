# Cross-compiles Ember for bare-metal Arm Cortex-M with Debian's gcc-arm-none-eabi and
# libnewlib-arm-none-eabi (no OS, no malloc: see targets/cortex-m55/README.md).
#   cmake -S targets/cortex-m55 -B build-m55 -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
# EMBER_MCPU picks the core: cortex-m55 (the default: Armv8.1-M with Helium (MVE) and a
# hard-float FPU), cortex-m7 or cortex-m4 (Armv7E-M, DSP extension, single-precision FPU).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY) # no startup code for a test executable
set(EMBER_MCPU cortex-m55 CACHE STRING "Cortex-M core: cortex-m55, cortex-m7 or cortex-m4")
if(EMBER_MCPU STREQUAL "cortex-m55")
  set(EMBER_ARCH_FLAGS "-mcpu=cortex-m55 -mfloat-abi=hard -mthumb")
elseif(EMBER_MCPU STREQUAL "cortex-m7")
  set(EMBER_ARCH_FLAGS "-mcpu=cortex-m7 -mfpu=fpv5-sp-d16 -mfloat-abi=hard -mthumb")
elseif(EMBER_MCPU STREQUAL "cortex-m4")
  set(EMBER_ARCH_FLAGS "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -mthumb")
else()
  message(FATAL_ERROR "EMBER_MCPU ${EMBER_MCPU}: expected cortex-m55, cortex-m7 or cortex-m4")
endif()
set(CMAKE_C_FLAGS_INIT "${EMBER_ARCH_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${EMBER_ARCH_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${EMBER_ARCH_FLAGS} -Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
