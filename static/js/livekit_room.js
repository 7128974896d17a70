// A LiveKit room on the page: connects to data-livekit-url with the page's access token
// (sessions_app/video.py, valid for this session's room only), publishes the camera and
// microphone, and shows one tile per person with their video and sound. livekit-client is
// served from static/vendor (never a CDN) and sets window.LivekitClient.
//
// The portal's session page joins and leaves through its own buttons, which send
// "harbor:room-join" / "harbor:room-leave" (static/js/session_page.js keeps the presence
// heartbeat and the tech check as for any room); the staff page has [data-room-join] and
// [data-room-leave] buttons inside the room. The room's state is on #livekit-state
// (data-state: idle, connecting, connected, reconnecting, left, failed) for people and tests.
(function () {
  "use strict";
  var root = document.getElementById("livekit-room");
  if (!root || !root.getAttribute("data-livekit-url")) { return; }
  var LK = window.LivekitClient;
  var state = document.getElementById("livekit-state");
  var tiles = document.getElementById("livekit-tiles");
  var joinButton = root.querySelector("[data-room-join]");
  var leaveButton = root.querySelector("[data-room-leave]");
  var room = null;

  function show(name, text) {
    if (state) { state.setAttribute("data-state", name); state.textContent = text; }
    root.setAttribute("data-state", name);
  }

  function tileOf(participant) {
    var id = "livekit-tile-" + participant.sid;
    var tile = document.getElementById(id);
    if (!tile) {
      tile = document.createElement("div");
      tile.id = id;
      tile.className = "livekit-tile";
      tile.setAttribute("data-identity", participant.identity);
      var label = document.createElement("span");
      label.className = "livekit-name";
      label.textContent = participant.name || participant.identity;
      if (participant === room.localParticipant) { label.textContent += " (you)"; }
      tile.appendChild(label);
      tiles.appendChild(tile);
    }
    return tile;
  }

  function dropTile(participant) {
    var tile = document.getElementById("livekit-tile-" + participant.sid);
    if (tile) { tile.parentNode.removeChild(tile); }
  }

  function attach(track, participant) {
    var element = track.attach();
    if (participant === room.localParticipant) { element.muted = true; }  // no echo of oneself
    tileOf(participant).appendChild(element);
  }

  function detach(track) {
    track.detach().forEach(function (element) {
      if (element.parentNode) { element.parentNode.removeChild(element); }
    });
  }

  function setButtons(inRoom) {
    if (joinButton) { joinButton.hidden = inRoom; }
    if (leaveButton) { leaveButton.hidden = !inRoom; }
  }

  function clear() {
    while (tiles.firstChild) { tiles.removeChild(tiles.firstChild); }
  }

  // The portal's page gets its token from Harbor's join answer (the event's detail), never
  // from the page itself; the staff page carries its facilitator's token.
  function join(e) {
    if (room) { return; }
    var given = (e && e.detail) || {};
    var token = given.token || root.getAttribute("data-livekit-token");
    if (!LK) { show("failed", "The video room could not load. Please reload the page."); return; }
    var E = LK.RoomEvent;
    room = new LK.Room({ adaptiveStream: true, dynacast: true });
    room
      .on(E.TrackSubscribed, function (track, publication, participant) { attach(track, participant); })
      .on(E.TrackUnsubscribed, function (track) { detach(track); })
      .on(E.LocalTrackPublished, function (publication, participant) {
        if (publication.track && publication.kind === "video") { attach(publication.track, participant); }
      })
      .on(E.LocalTrackUnpublished, function (publication) {
        if (publication.track) { detach(publication.track); }
      })
      .on(E.ParticipantConnected, function (participant) { tileOf(participant); })
      .on(E.ParticipantDisconnected, function (participant) { dropTile(participant); })
      .on(E.Reconnecting, function () { show("reconnecting", "Connection lost, reconnecting…"); })
      .on(E.Reconnected, function () { show("connected", "You are in the video room."); })
      .on(E.Disconnected, function () {
        room = null;
        clear();
        setButtons(false);
        show("left", "You are not in the video room.");
      });
    show("connecting", "Connecting to the video room…");
    setButtons(true);
    var current = room;
    current.connect(given.url || root.getAttribute("data-livekit-url"), token)
      .then(function () {
        if (room !== current) { return null; }
        show("connected", "You are in the video room.");
        tileOf(current.localParticipant);
        current.remoteParticipants.forEach(function (participant) { tileOf(participant); });
        current.startAudio();
        return current.localParticipant.enableCameraAndMicrophone();
      })
      .catch(function (error) {
        if (room === current) { room = null; }
        clear();
        setButtons(false);
        show("failed", "Could not join the video room (" + (error && error.message || error) +
          "). Try again, or use the phone or chat.");
      });
  }

  function leave() {
    if (room) { room.disconnect(); }
  }

  document.addEventListener("harbor:room-join", join);
  document.addEventListener("harbor:room-leave", leave);
  if (joinButton) { joinButton.addEventListener("click", function () { join(); }); }
  if (leaveButton) { leaveButton.addEventListener("click", leave); }
  window.addEventListener("pagehide", leave);
  show("idle", "");
})();
