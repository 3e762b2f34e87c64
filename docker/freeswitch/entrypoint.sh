#!/bin/sh
# Lays Hotline's configuration over FreeSWITCH's vanilla config, then runs it in the foreground.
set -eu
CONF=/usr/local/freeswitch/conf
cp "$CONF/overlay/event_socket.conf.xml" "$CONF/autoload_configs/event_socket.conf.xml"
sed -i "s|@ESL_PASSWORD@|${ESL_PASSWORD:?set ESL_PASSWORD}|" "$CONF/autoload_configs/event_socket.conf.xml"
mkdir -p "$CONF/dialplan/hotline"
cp "$CONF"/overlay/dialplan-hotline/*.xml "$CONF/dialplan/hotline/"
# The socket target of the dialplan (Hotline's outbound ESL listener).
grep -q hotline_socket "$CONF/vars.xml" || \
  sed -i "s|</include>|  <X-PRE-PROCESS cmd=\"set\" data=\"hotline_socket=${HOTLINE_SOCKET:-hotline:8084}\"/>\n</include>|" "$CONF/vars.xml"
exec /usr/local/freeswitch/bin/freeswitch -nonat -nf -c
