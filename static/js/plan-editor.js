/*
 * The plan editor (plans/templates/plans/editor/editor.html): drag and drop, and htmx answers
 * that are not 2xx.
 *
 * Dragging uses SortableJS on every list of the tree (`ol.pe-list`): sections move among section
 * lists (top level or under another section), items among item lists. On drop we POST the node,
 * its new parent and its index among its new siblings to plans:node_move with the page's revision
 * (#plan-revision), and htmx swaps in the re-rendered tree, so the numbering (一、（一）1、) is the
 * server's. The 活动安排 rows are sortable the same way. Loaded with the page's CSP nonce; no
 * inline code anywhere.
 *
 * The 责任人 field of an item form is a combobox: htmx fetches the members matching what is typed
 * (plans:owner_suggest) into the list under it; choosing one (click, or arrow keys and Enter)
 * writes the name into the field and the member into the hidden "owner" input. Editing the text
 * so that it no longer holds that name drops the link: the text is what counts, and free text
 * ("工会办公室") stays allowed.
 */
(function () {
  "use strict";

  if (typeof window.htmx === "undefined") {
    return;
  }
  var htmx = window.htmx;

  // 409 (someone else saved first, or the plan left the draft state), 422 (a form with errors)
  // and 400 (a refused move) carry a partial to show: let htmx swap them like a 200.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    // A drag leaves style attributes behind (SortableJS works through element.style, and touches
    // even the form inputs); htmx's settle step copies an old element's attributes onto its
    // replacement with setAttribute, which our CSP refuses (no inline styles). Nothing in the
    // editor needs them once the drag is over.
    var root = document.getElementById("plan-editor");
    if (root && !document.body.classList.contains("pe-dragging")) {
      root.querySelectorAll("[style]").forEach(function (el) {
        el.removeAttribute("style");
      });
    }
  });

  function revision() {
    var input = document.getElementById("plan-revision");
    return input ? input.value : "";
  }

  function post(url, values, target) {
    values.revision = revision();
    document.body.classList.add("pe-busy");
    htmx
      .ajax("POST", url, { source: target, target: target, swap: "outerHTML", values: values })
      .finally(function () {
        document.body.classList.remove("pe-busy");
      });
  }

  function dragging(on) {
    document.body.classList.toggle("pe-dragging", on);
  }

  function initTree(tree) {
    var url = tree.getAttribute("data-move-url");
    tree.querySelectorAll("ol.pe-list").forEach(function (list) {
      if (window.Sortable.get(list)) {
        return;
      }
      var kind = list.getAttribute("data-kind");
      window.Sortable.create(list, {
        group: kind === "section" ? "pe-sections" : "pe-items",
        handle: ".pe-handle",
        draggable: kind === "section" ? "li.pe-section" : "li.pe-item",
        animation: 150,
        // Pointer events rather than native HTML5 drag: the same on mouse, touch and pen, and the
        // dragged node does not leave the page (no stray drop into a text field).
        forceFallback: true,
        fallbackTolerance: 3,
        fallbackOnBody: true,
        swapThreshold: 0.65,
        emptyInsertThreshold: 12,
        onStart: function () {
          dragging(true);
        },
        onEnd: function (event) {
          dragging(false);
          if (event.from === event.to && event.oldDraggableIndex === event.newDraggableIndex) {
            return;
          }
          post(
            url,
            {
              kind: kind,
              node_id: event.item.getAttribute("data-id"),
              parent_id: event.to.getAttribute("data-parent") || "",
              index: event.newDraggableIndex,
            },
            "#plan-tree"
          );
        },
      });
    });
  }

  function initSchedule(body) {
    if (window.Sortable.get(body)) {
      return;
    }
    window.Sortable.create(body, {
      handle: ".pe-handle",
      draggable: "tr[data-id]",
      animation: 150,
      forceFallback: true,
      fallbackTolerance: 3,
      onEnd: function (event) {
        if (event.oldDraggableIndex === event.newDraggableIndex) {
          return;
        }
        post(
          body.getAttribute("data-move-url"),
          { entry_id: event.item.getAttribute("data-id"), index: event.newDraggableIndex },
          "#plan-schedule"
        );
      },
    });
  }

  // --- The 责任人 picker -------------------------------------------------------------------

  function ownerParts(element) {
    var box = element.closest("[data-owner-picker]");
    if (!box) {
      return null;
    }
    return {
      box: box,
      text: box.querySelector("[data-owner-text]"),
      id: box.querySelector("[data-owner-id]"),
      list: box.querySelector(".pe-owner-list"),
      note: box.querySelector("[data-owner-linked]"),
    };
  }

  function ownerClose(parts) {
    parts.list.innerHTML = "";
    parts.text.setAttribute("aria-expanded", "false");
    parts.text.removeAttribute("aria-activedescendant");
  }

  function ownerLinked(parts, name) {
    parts.note.textContent = "";
    if (name) {
      var icon = document.createElement("i");
      icon.className = "bi bi-person-check";
      parts.note.appendChild(icon);
      parts.note.appendChild(document.createTextNode(" " + parts.box.getAttribute("data-linked-label")));
    }
  }

  function ownerPick(parts, option) {
    var name = option.getAttribute("data-member-name");
    parts.text.value = name;
    parts.id.value = option.getAttribute("data-member-id");
    parts.id.setAttribute("data-owner-name", name);
    ownerLinked(parts, name);
    ownerClose(parts);
    parts.text.focus();
  }

  function ownerOptions(parts) {
    return Array.prototype.slice.call(parts.list.querySelectorAll("[data-member-id]"));
  }

  document.body.addEventListener("input", function (event) {
    var parts = event.target.matches("[data-owner-text]") && ownerParts(event.target);
    if (!parts) {
      return;
    }
    var name = parts.id.getAttribute("data-owner-name");
    if (parts.id.value && (!name || parts.text.value.indexOf(name) === -1)) {
      parts.id.value = "";
      parts.id.setAttribute("data-owner-name", "");
      ownerLinked(parts, "");
    }
    if (!parts.text.value.trim()) {
      ownerClose(parts);
    }
  });

  document.body.addEventListener("click", function (event) {
    var option = event.target.closest("[data-member-id]");
    var parts = option && ownerParts(option);
    if (parts) {
      ownerPick(parts, option);
      return;
    }
    document.querySelectorAll("[data-owner-picker]").forEach(function (box) {
      if (!box.contains(event.target)) {
        ownerClose(ownerParts(box));
      }
    });
  });

  document.body.addEventListener("keydown", function (event) {
    var parts = event.target.matches("[data-owner-text]") && ownerParts(event.target);
    if (!parts) {
      return;
    }
    var options = ownerOptions(parts);
    var current = options.findIndex(function (option) {
      return option.classList.contains("active");
    });
    if (event.key === "Escape") {
      ownerClose(parts);
    } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && options.length) {
      event.preventDefault();
      var next = event.key === "ArrowDown" ? current + 1 : current - 1;
      next = (next + options.length) % options.length;
      options.forEach(function (option, index) {
        option.classList.toggle("active", index === next);
        option.setAttribute("aria-selected", index === next ? "true" : "false");
        option.id = parts.list.id + "-" + index;
      });
      parts.text.setAttribute("aria-activedescendant", options[next].id);
      options[next].scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault(); // choose, do not submit the form
      ownerPick(parts, options[current]);
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var parts = event.detail.target.matches(".pe-owner-list") && ownerParts(event.detail.target);
    if (parts) {
      parts.text.setAttribute("aria-expanded", ownerOptions(parts).length ? "true" : "false");
    }
  });

  htmx.onLoad(function (element) {
    if (typeof window.Sortable === "undefined") {
      return;
    }
    var root = element.nodeType === 1 ? element : document.body;
    var trees = root.matches && root.matches(".pe-tree.pe-editable") ? [root] : [];
    trees = trees.concat(Array.prototype.slice.call(root.querySelectorAll(".pe-tree.pe-editable")));
    trees.forEach(initTree);
    var bodies = root.matches && root.matches("tbody.pe-schedule-rows") ? [root] : [];
    bodies = bodies.concat(Array.prototype.slice.call(root.querySelectorAll("tbody.pe-schedule-rows")));
    bodies.forEach(function (body) {
      if (body.closest(".pe-editor") && document.querySelector(".pe-tree.pe-editable")) {
        initSchedule(body);
      }
    });
  });
})();
