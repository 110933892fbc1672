// The phone's hardware: photos compressed on the phone, a signature pad, the QR scanner
// (BarcodeDetector where the browser has it, the vendored jsQR otherwise).
const MAX_SIDE = 1600;
const QUALITY = 0.8;

async function bitmap(file) {
  if (window.createImageBitmap) {
    try { return await createImageBitmap(file, { imageOrientation: "from-image" }); } catch { /* below */ }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}

/** A camera photo (often 4–12 MB) as a JPEG of at most 1600 px on its longer side. */
export async function compressPhoto(file) {
  const img = await bitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(img.width * scale);
  canvas.height = Math.round(img.height * scale);
  canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  return { blob, width: canvas.width, height: canvas.height, original: file.size };
}

/** Finger drawing on a canvas; ``png()`` is the signature as a data: URL, null while empty. */
export function signaturePad(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  canvas.width = Math.round(rect.width * ratio);
  canvas.height = Math.round(rect.height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.lineWidth = 2.5;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#111";
  let drawing = false;
  let inked = 0;
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    ctx.beginPath();
    ctx.moveTo(...point(e));
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    ctx.lineTo(...point(e));
    ctx.stroke();
    inked += 1;
  });
  const end = () => { drawing = false; };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  return {
    clear() { ctx.clearRect(0, 0, canvas.width, canvas.height); inked = 0; },
    png() { return inked > 2 ? canvas.toDataURL("image/png") : null; },
  };
}

let jsqrLoading = null;
function loadJsQR() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  if (!jsqrLoading) {
    jsqrLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = document.getElementById("app-script").dataset.jsqr;
      script.onload = () => resolve(window.jsQR);
      script.onerror = () => { jsqrLoading = null; reject(new Error("jsQR")); };
      document.head.append(script);
    });
  }
  return jsqrLoading;
}

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    return formats.includes("qr_code") ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  } catch {
    return null;
  }
}

/** Decodes a QR code in a drawable (video frame, image); resolves to its text or null. */
async function decode(source, width, height, detector) {
  if (detector) {
    const codes = await detector.detect(source);
    return codes.length ? codes[0].rawValue : null;
  }
  const jsQR = await loadJsQR();
  const canvas = decode.canvas || (decode.canvas = document.createElement("canvas"));
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, width, height);
  const found = jsQR(ctx.getImageData(0, 0, width, height).data, width, height, { inversionAttempts: "dontInvert" });
  return found ? found.data : null;
}

/** Decodes a photo of a label (chosen from the gallery when the camera cannot focus). */
export async function scanImage(file) {
  const img = await bitmap(file);
  const scale = Math.min(1, 1024 / Math.max(img.width, img.height));
  return decode(img, Math.round(img.width * scale), Math.round(img.height * scale), await nativeDetector());
}

/** Opens the back camera in ``video`` and resolves with the first QR code read; ``stop()`` ends it. */
export function scanCamera(video) {
  let stream = null;
  let stopped = false;
  const result = (async () => {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    video.srcObject = stream;
    video.setAttribute("playsinline", "");
    await video.play();
    const detector = await nativeDetector();
    while (!stopped) {
      if (video.videoWidth) {
        const scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
        const text = await decode(video, Math.round(video.videoWidth * scale), Math.round(video.videoHeight * scale),
          detector);
        if (text) {
          // Keep what was read on screen: a stopped camera would leave the video black.
          const shot = document.createElement("canvas");
          shot.width = video.videoWidth;
          shot.height = video.videoHeight;
          shot.className = video.className;
          shot.getContext("2d").drawImage(video, 0, 0);
          video.replaceWith(shot);
          return text;
        }
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return null;
  })().finally(() => { if (stream) stream.getTracks().forEach((track) => track.stop()); });
  return { result, stop() { stopped = true; } };
}

/** The phone's position (for check-in), or an error the technician understands. */
export function position() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(new Error("unsupported")); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ latitude: pos.coords.latitude.toFixed(6), longitude: pos.coords.longitude.toFixed(6) }),
      (err) => reject(err), { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
}
