// libxml2 for the XHTMLValidator module.
// Debian's libxml2 is built with ICU; its headers then pull in ICU's, which clash with the ones
// Foundation brings in and break clean builds. The validator needs no ICU, so switch it off
// before any other libxml2 header sees the flag.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
