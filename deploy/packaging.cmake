# The Debian package (`cpack -G DEB` in a build dir, or ./deploy/package.sh):
# authnet_VERSION_ARCH.deb from the install rules: authnetd and authnetctl
# (stripped), the systemd unit, the example configuration (copied to
# /etc/authnet by the postinst) and the C++ SDK with its CMake package. The
# maintainer scripts in deploy/debian/ create the authnet system user and
# /var/lib/authnet and enable nothing (docs/ops/package.md).
install(TARGETS authnetd authnetctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT daemon)
# deploy/systemd/authnetd.service names /usr/local/bin (an install by hand);
# the package's unit names where the package puts the binaries.
file(READ ${PROJECT_SOURCE_DIR}/deploy/systemd/authnetd.service authnet_unit)
string(REPLACE "/usr/local/bin/" "/usr/bin/" authnet_unit "${authnet_unit}")
file(WRITE ${CMAKE_BINARY_DIR}/deploy/authnetd.service "${authnet_unit}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/deploy/systemd/authnetd.service)
install(FILES ${CMAKE_BINARY_DIR}/deploy/authnetd.service DESTINATION lib/systemd/system
  COMPONENT daemon)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/authnetd.toml DESTINATION ${CMAKE_INSTALL_DATADIR}/authnet
  COMPONENT daemon)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME authnet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR authnet)
set(CPACK_PACKAGE_CONTACT "authnet maintainers <authnet-maintainers@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Authenticity Network node: marketplaces pool counterfeit evidence as keyed digests")
set(CPACK_PACKAGE_DESCRIPTION
  "authnetd keeps a member's anonymized counterfeit signals, shares them signed with the other\n\
members' nodes over mutual TLS and answers checkout checks from one shared model; authnetctl\n\
runs the network's and the node's administration. Includes the C++ SDK (headers, static\n\
libraries, find_package(authnet)). No service is enabled: see /usr/share/authnet.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# What a checkout service's build needs to use the SDK with find_package.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake, libgrpc++-dev, libprotobuf-dev, libabsl-dev")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
  ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
  ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
include(CPack)
