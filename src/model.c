/* placeholder: written in progress */
typedef int rm_placeholder_model;
