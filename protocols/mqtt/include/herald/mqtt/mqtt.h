// The whole MQTT codec API in one include.
#pragma once

#include "herald/mqtt/decoder.h"
#include "herald/mqtt/encoder.h"
#include "herald/mqtt/errors.h"
#include "herald/mqtt/limits.h"
#include "herald/mqtt/packets.h"
#include "herald/mqtt/properties.h"
#include "herald/mqtt/protocol.h"
#include "herald/mqtt/reason_code.h"
#include "herald/mqtt/topic.h"
#include "herald/mqtt/utf8.h"
