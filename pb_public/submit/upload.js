// Uploads with XMLHttpRequest rather than fetch: only XHR reports upload
// progress, which a 50 MB model on a slow campus link needs.
import { ApiError } from "/shared/api.js";

/**
 * upload POSTs form data to url, calling onProgress(sent, total). It returns
 * {xhr, done}: done resolves with the JSON answer or rejects with an ApiError
 * (err.aborted is true when the student cancelled).
 */
export function upload(url, data, onProgress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.open("POST", url);
    xhr.responseType = "text";
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0));
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = { message: `The server answered ${xhr.status}.` }; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, { message: "The upload failed: check your connection and try again." })));
    xhr.addEventListener("abort", () => {
      const err = new ApiError(0, { message: "Upload cancelled." });
      err.aborted = true;
      reject(err);
    });
    xhr.send(data);
  });
  return { xhr, done };
}
