// The member app lives at /app/<business id>: turn the landing page's little form into that address.
const form = document.querySelector("[data-member-app-form]");
form?.addEventListener("submit", (event) => {
  event.preventDefault();
  const id = form.elements.business.value.trim();
  if (id) window.location.assign(`/app/${encodeURIComponent(id)}`);
});
