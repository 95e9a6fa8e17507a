# What `cmake --install` puts where (GNU layout under CMAKE_INSTALL_PREFIX), and the Debian
# package `cpack -G DEB` makes of it. Included from the top-level CMakeLists.txt.
include(GNUInstallDirs)

set(RM_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/resnet-mnist)
# Debian's way: man pages and the changelog gzip'd, -n for reproducible bytes.
find_program(RM_GZIP gzip REQUIRED)
foreach(pair "docs/resnet-mnist.1:resnet-mnist.1.gz" "packaging/deb/changelog:changelog.gz")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 src)
  list(GET pair 1 gz)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/${gz}
                     COMMAND ${RM_GZIP} -9n -c ${PROJECT_SOURCE_DIR}/${src} > ${PROJECT_BINARY_DIR}/${gz}
                     DEPENDS ${PROJECT_SOURCE_DIR}/${src} VERBATIM)
  list(APPEND RM_GZ_FILES ${PROJECT_BINARY_DIR}/${gz})
endforeach()
add_custom_target(rm_install_files ALL DEPENDS ${RM_GZ_FILES})

install(FILES ${PROJECT_BINARY_DIR}/resnet-mnist.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES share/completion/resnet-mnist.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME resnet-mnist)
install(FILES share/completion/_resnet-mnist DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES README.md LICENSE DESTINATION ${RM_DOC_DIR})
# LICENSE in the form Debian reads (copyright), and the changelog Debian wants (changelog.gz: the
# version has no Debian revision, a native package)
install(FILES packaging/deb/copyright ${PROJECT_BINARY_DIR}/changelog.gz
        DESTINATION ${RM_DOC_DIR})

# cpack -G DEB: from the build it runs in (make it the portable default: RESNET_MNIST_NATIVE=OFF)
set(CPACK_PACKAGE_NAME resnet-mnist)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The resnet-mnist developers")
set(CPACK_PACKAGE_CONTACT "The resnet-mnist developers <maintainers@users.noreply.r-seed-14039f33.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "ResNet of the PyTorch MNIST tutorial, trained in plain C")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
# dpkg-shlibdeps works out the linked libraries' packages; the plots' font is a file, and libcurl
# and libarchive are loaded by `fetch` (src/io/net_libs.c), so none of those three shows in the
# binary's needed libraries. libcurl from 7.85 for CURLOPT_PROTOCOLS_STR.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core, libcurl4 (>= 7.85.0), libarchive13 (>= 3.0.4)")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "dataset-fashion-mnist")
# the long description (CPack puts the summary above it)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "resnet-mnist trains and evaluates the residual network of a PyTorch MNIST
tutorial number for number (same model, initialisation, loss, optimiser and
data pipeline), predicts digits and numbers in pictures, and measures its own
speed. One binary picks AVX-512, AVX2 or baseline x86-64 kernels at run time.
'resnet-mnist fetch' downloads MNIST or Fashion-MNIST, checked by SHA-256.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
