// libmosquitto 2.0, imported only by MosquittoKit.
#include <mosquitto.h>
